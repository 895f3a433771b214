import { useState } from "preact/hooks";
import { api, ApiError, type Session } from "../api.ts";
import { useT } from "../app.tsx";

export function Login({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const t = useT();
  const [workspace, setWorkspace] = useState(() => localStorage.getItem("switchboard:workspace") ?? "");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <div class="login">
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          try {
            const s = await api<Session>("/api/auth/login", { body: { workspace: workspace.trim(), email: email.trim(), password } });
            localStorage.setItem("switchboard:workspace", workspace.trim());
            onSignedIn(s);
          } catch (err) {
            setError(err instanceof ApiError && err.details.length ? err.details.map((d) => `${d.path}: ${d.message}`).join("; ") : (err as Error).message);
          } finally {
            setBusy(false);
          }
        }}
      >
        <h1>{t("app")}</h1>
        <label>
          {t("workspace")}
          <input name="workspace" value={workspace} required onInput={(e) => setWorkspace((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          {t("email")}
          <input name="email" type="email" autocomplete="username" value={email} required onInput={(e) => setEmail((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          {t("password")}
          <input
            name="password"
            type="password"
            autocomplete="current-password"
            value={password}
            required
            onInput={(e) => setPassword((e.target as HTMLInputElement).value)}
          />
        </label>
        {error && <p class="error">{error}</p>}
        <button class="primary" type="submit" disabled={busy}>
          {t("sign_in")}
        </button>
      </form>
    </div>
  );
}
