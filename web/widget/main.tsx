// <script src="https://…/widget.js" data-key="wk_…" async></script>
// Mounts the chat in a Shadow DOM attached to its own element, so the host page's styles never
// reach the widget and the widget's never reach the page.
import { render } from "preact";
import { pickLocale } from "../shared/i18n.ts";
import css from "./widget.css?inline";
import { Widget, type WidgetOptions } from "./widget.tsx";

// Only known while the script itself runs, so read it before waiting for the page.
const current = document.currentScript as HTMLScriptElement | null;

function mount() {
  const script = current ?? document.querySelector<HTMLScriptElement>("script[data-key][src*='widget']");
  const key = script?.dataset.key;
  if (!script || !key) {
    console.error("Switchboard widget: add data-key=\"<your widget key>\" to the script tag");
    return;
  }
  const options: WidgetOptions = {
    api: script.dataset.api ?? new URL(script.src, location.href).origin,
    widgetKey: key,
    locale: pickLocale(script.dataset.lang),
    prechat: script.dataset.prechat === "true",
    ...(script.dataset.title ? { title: script.dataset.title } : {}),
  };
  const host = document.createElement("div");
  host.id = "switchboard-widget";
  const shadow = host.attachShadow({ mode: "open" });
  const style = document.createElement("style");
  style.textContent = script.dataset.color ? `${css}\n:host{--sb-accent:${script.dataset.color}}` : css;
  shadow.appendChild(style);
  const root = document.createElement("div");
  shadow.appendChild(root);
  document.body.appendChild(host);
  render(<Widget options={options} />, root);
}

if (document.body) mount();
else addEventListener("DOMContentLoaded", mount, { once: true });
