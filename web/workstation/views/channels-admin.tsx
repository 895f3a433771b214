// Channel settings (admins; docs/channels.md): WeChat accounts, support inboxes, the form's
// Turnstile check and the attachment policy. Secrets go to the server and are never shown again:
// the forms below start empty, and an empty secret on an edit keeps the stored one.
import { useState } from "preact/hooks";
import type { WechatAccountView } from "../../shared/wire.ts";
import { api, API_BASE } from "../api.ts";
import { useT } from "../app.tsx";
import { describe, useLoad } from "./load.ts";
import { Choice } from "./choice.tsx";

const MODES = ["safe", "compatible", "plain"] as const;
const KINDS = ["official_account", "mini_program"] as const;

type Result = { ok: boolean; text: string } | null;

/** Runs an API call and says how it went: `saved` on success, the API's code and message otherwise. */
function useAction(): [Result, (f: () => Promise<unknown>, ok: string) => Promise<boolean>] {
  const [result, setResult] = useState<Result>(null);
  const run = async (f: () => Promise<unknown>, ok: string) => {
    try {
      await f();
      setResult({ ok: true, text: ok });
      return true;
    } catch (err) {
      setResult({ ok: false, text: describe(err) });
      return false;
    }
  };
  return [result, run];
}

function Outcome({ result, testid }: { result: Result; testid: string }) {
  return result && <pre class={result.ok ? "ok" : "error"} data-testid={testid}>{result.text}</pre>;
}

export function ChannelsAdmin() {
  return (
    <div class="panel channels" data-testid="channels-admin">
      <Wechat />
      <EmailInboxes />
      <Forms />
      <Attachments />
    </div>
  );
}

const input = (set: (v: string) => void) => (e: Event) => set((e.target as HTMLInputElement).value);

function Wechat() {
  const t = useT();
  const [data, reload, loadError] = useLoad<{ items: WechatAccountView[] }>("/api/admin/channels/wechat");
  return (
    <section class="card" data-testid="wechat-accounts">
      <h3>{t("wechat_accounts")}</h3>
      <p class="muted small">{t("wechat_hint")}</p>
      {loadError && <pre class="error">{loadError}</pre>}
      {data?.items.length === 0 && <p class="muted">{t("no_wechat_accounts")}</p>}
      {data?.items.map((a) => <WechatAccount key={`${a.id}:${a.updated_at}`} account={a} saved={reload} />)}
      <h4>{t("connect_wechat")}</h4>
      <WechatForm account={null} saved={reload} />
    </section>
  );
}

function WechatAccount({ account, saved }: { account: WechatAccountView; saved(): void }) {
  const t = useT();
  const [editing, setEditing] = useState(false);
  const [result, run] = useAction();
  return (
    <div class="channel-item" data-testid="wechat-account" data-app-id={account.app_id}>
      <div class="inline">
        <strong>{account.app_id}</strong>
        <span class="pill">{t(`wechat_${account.kind}`)}</span>
        <span class="pill">{t(`mode_${account.mode}`)}</span>
        <span class="muted small">
          {account.id} · {account.has_encoding_aes_key ? t("aes_key_set") : t("aes_key_unset")}
        </span>
        <button type="button" class="link" data-testid="wechat-edit-toggle" onClick={() => setEditing(!editing)}>
          {editing ? t("cancel") : t("edit")}
        </button>
        <button
          type="button"
          class="link danger-link"
          data-testid="wechat-remove"
          onClick={() => confirm(t("confirm_disconnect", { app_id: account.app_id })) && void run(() => api(`/api/admin/channels/wechat/${account.id}`, { method: "DELETE" }), t("saved")).then((ok) => ok && saved())}
        >
          {t("disconnect")}
        </button>
      </div>
      <label class="field">
        {t("callback_url")}
        <input readOnly value={account.webhook_url} data-testid="webhook-url" onFocus={(e) => (e.target as HTMLInputElement).select()} />
      </label>
      {result && !result.ok && <Outcome result={result} testid="wechat-result" />}
      {editing && (
        <WechatForm
          account={account}
          saved={() => {
            setEditing(false);
            saved();
          }}
        />
      )}
    </div>
  );
}

/** Connects an account (all fields) or edits one (secrets left empty are kept). */
function WechatForm({ account, saved }: { account: WechatAccountView | null; saved(): void }) {
  const t = useT();
  const [kind, setKind] = useState<WechatAccountView["kind"]>(account?.kind ?? "official_account");
  const [mode, setMode] = useState<WechatAccountView["mode"]>(account?.mode ?? "safe");
  const [appId, setAppId] = useState("");
  const [secret, setSecret] = useState("");
  const [token, setToken] = useState("");
  const [aesKey, setAesKey] = useState("");
  const [result, run] = useAction();
  const keep = account ? t("leave_empty_to_keep") : "";
  return (
    <form
      class="channel-form"
      data-testid={account ? "wechat-edit" : "wechat-new"}
      onSubmit={async (e) => {
        e.preventDefault();
        const body = {
          kind,
          mode,
          ...(account ? {} : { app_id: appId.trim() }),
          ...(secret || !account ? { app_secret: secret } : {}),
          ...(token || !account ? { token } : {}),
          ...(aesKey ? { encoding_aes_key: aesKey.trim() } : {}),
        };
        const ok = await run(() => api(account ? `/api/admin/channels/wechat/${account.id}` : "/api/admin/channels/wechat", { method: account ? "PATCH" : "POST", body }), t("saved"));
        if (ok) {
          setSecret("");
          setToken("");
          setAesKey("");
          setAppId("");
          saved();
        }
      }}
    >
      <div class="field-row">
        <label class="field">
          {t("wechat_kind")}
          <Choice name="kind" value={kind} values={KINDS} label={(k) => t(`wechat_${k}`)} onChange={(k) => k && setKind(k)} />
        </label>
        <label class="field">
          {t("wechat_mode")}
          <Choice name="mode" value={mode} values={MODES} label={(m) => t(`mode_${m}`)} onChange={(m) => m && setMode(m)} />
        </label>
        {!account && (
          <label class="field">
            {t("app_id")}
            <input name="app_id" placeholder="wx…" value={appId} onInput={input(setAppId)} />
          </label>
        )}
      </div>
      <div class="field-row">
        <label class="field">
          {t("app_secret")}
          <input name="app_secret" type="password" autocomplete="off" placeholder={keep} value={secret} onInput={input(setSecret)} />
        </label>
        <label class="field">
          Token
          <input name="token" type="password" autocomplete="off" placeholder={keep} value={token} onInput={input(setToken)} />
        </label>
        <label class="field">
          EncodingAESKey
          <input name="encoding_aes_key" type="password" autocomplete="off" placeholder={account ? keep : t("aes_key_hint")} value={aesKey} onInput={input(setAesKey)} />
        </label>
      </div>
      <div class="inline">
        <button class="primary">{account ? t("save") : t("connect")}</button>
      </div>
      <Outcome result={result} testid="wechat-result" />
    </form>
  );
}

interface Inbox {
  address: string;
  name: string | null;
  created_at: number;
}

function EmailInboxes() {
  const t = useT();
  const [data, reload, loadError] = useLoad<{ items: Inbox[] }>("/api/admin/channels/email");
  const [address, setAddress] = useState("");
  const [name, setName] = useState("");
  const [result, run] = useAction();
  const local = (data?.items[0]?.address ?? "support@example.com").split("@");
  return (
    <section class="card" data-testid="email-inboxes">
      <h3>{t("email_inboxes")}</h3>
      {loadError && <pre class="error">{loadError}</pre>}
      {data?.items.length === 0 && <p class="muted">{t("no_email_inboxes")}</p>}
      {data?.items.length ? (
        <table class="grid">
          <tbody>
            {data.items.map((i) => (
              <tr key={i.address} data-testid="email-inbox">
                <td>{i.address}</td>
                <td>{i.name ?? "—"}</td>
                <td class="muted small">{new Date(i.created_at).toLocaleDateString()}</td>
                <td>
                  <button
                    type="button"
                    class="link danger-link"
                    data-testid="email-remove"
                    onClick={() =>
                      confirm(t("confirm_remove_inbox", { address: i.address })) &&
                      void run(() => api(`/api/admin/channels/email/${encodeURIComponent(i.address)}`, { method: "DELETE" }), t("saved")).then((ok) => ok && reload())
                    }
                  >
                    {t("remove")}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <form
        class="inline"
        data-testid="email-new"
        onSubmit={async (e) => {
          e.preventDefault();
          if (await run(() => api("/api/admin/channels/email", { body: { address: address.trim(), ...(name.trim() ? { name: name.trim() } : {}) } }), t("saved"))) {
            setAddress("");
            setName("");
            reload();
          }
        }}
      >
        <input name="address" type="text" placeholder="support@example.com" value={address} onInput={input(setAddress)} />
        <input name="name" placeholder={t("display_name")} value={name} onInput={input(setName)} />
        <button class="primary">{t("add")}</button>
      </form>
      <Outcome result={result} testid="email-result" />
      <div class="muted small instructions">
        <p>{t("email_routing_hint")}</p>
        <ol>
          <li>{t("email_step_rule", { address: `${local[0]}@${local[1]}`, plus: `${local[0]}+*@${local[1]}` })}</li>
          <li>{t("email_step_sender")}</li>
        </ol>
      </div>
    </section>
  );
}

function Forms() {
  const t = useT();
  const [secret, setSecret] = useState("");
  const [loaded, , loadError] = useLoad<{ turnstile: boolean }>("/api/admin/channels/forms");
  const [saved, setState] = useState<boolean | null>(null);
  const state = saved ?? loaded?.turnstile ?? null;
  const [result, run] = useAction();
  const save = (turnstile_secret: string | null) =>
    run(async () => {
      const r = await api<{ turnstile: boolean }>("/api/admin/channels/forms", { method: "PUT", body: { turnstile_secret } });
      setState(r.turnstile);
      setSecret("");
    }, turnstile_secret === null ? t("turnstile_off") : t("turnstile_on"));
  return (
    <section class="card" data-testid="forms-settings">
      <h3>{t("forms")}</h3>
      <p class="muted small">{t("forms_hint", { url: `${API_BASE || location.origin}/api/channels/forms/<widget key>` })}</p>
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          void save(secret.trim());
        }}
      >
        <label>
          {t("turnstile_secret")}{" "}
          <input name="turnstile_secret" type="password" autocomplete="off" value={secret} onInput={input(setSecret)} />
        </label>
        <button class="primary">{t("turnstile_enable")}</button>
        <button type="button" onClick={() => void save(null)}>
          {t("turnstile_disable")}
        </button>
        {state !== null && (
          <span class={`pill ${state ? "serving" : ""}`} data-testid="turnstile-state">
            {state ? t("turnstile_on") : t("turnstile_off")}
          </span>
        )}
      </form>
      {loadError && <pre class="error">{loadError}</pre>}
      <Outcome result={result} testid="forms-result" />
    </section>
  );
}

interface Policy {
  max_bytes: number;
  allowed_types: string[];
}

function Attachments() {
  const t = useT();
  const [data, , loadError] = useLoad<Policy>("/api/admin/channels/attachments");
  return (
    <section class="card" data-testid="attachment-policy">
      <h3>{t("attachment_policy")}</h3>
      {loadError && <pre class="error">{loadError}</pre>}
      {data && <PolicyForm policy={data} />}
    </section>
  );
}

/** Loaded once: what the admin typed stays in the form after saving, as the server stored it. */
function PolicyForm({ policy }: { policy: Policy }) {
  const t = useT();
  const [mb, setMb] = useState(String(Math.round((policy.max_bytes / 1024 / 1024) * 100) / 100));
  const [types, setTypes] = useState(policy.allowed_types.join("\n"));
  const [result, run] = useAction();
  return (
    <form
      class="channel-form"
      onSubmit={async (e) => {
        e.preventDefault();
        const body = { max_bytes: Math.round(Number(mb) * 1024 * 1024), allowed_types: types.split(/[\s,]+/).filter(Boolean) };
        await run(() => api("/api/admin/channels/attachments", { method: "PUT", body }), t("saved"));
      }}
    >
      <div class="field-row">
        <label class="field">
          {t("max_size_mb")}
          <input name="max_mb" type="number" step="0.01" min="0" value={mb} onInput={input(setMb)} />
        </label>
        <label class="field">
          {t("allowed_types")}
          <textarea name="allowed_types" rows={5} class="code" value={types} onInput={(e) => setTypes((e.target as HTMLTextAreaElement).value)} />
        </label>
      </div>
      <p class="muted small">{t("allowed_types_hint")}</p>
      <div class="inline">
        <button class="primary">{t("save")}</button>
      </div>
      <Outcome result={result} testid="attachments-result" />
    </form>
  );
}
