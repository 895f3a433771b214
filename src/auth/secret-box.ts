import { fromBase64Url, sha256Base64Url, toBase64Url } from "./encoding.ts";

/**
 * Secrets Switchboard must be able to read back (a webhook's signing secret) are kept sealed:
 * AES-256-GCM under a key derived (HKDF-SHA-256) from a deployment secret, bound to the row they
 * belong to. Format: `sb1.<key id>.<iv>.<ciphertext>` (base64url); the key id says which key
 * sealed it, so a previous key can still open what it sealed while the rows are re-sealed.
 */
const PREFIX = "sb1";
const INFO = new TextEncoder().encode("switchboard sealed secrets v1");
export const MIN_KEY_CHARS = 32;

const keys = new Map<string, Promise<{ id: string; key: CryptoKey }>>();

function derive(material: string): Promise<{ id: string; key: CryptoKey }> {
  let found = keys.get(material);
  if (!found) {
    found = (async () => {
      const base = await crypto.subtle.importKey("raw", new TextEncoder().encode(material), "HKDF", false, ["deriveKey"]);
      const key = await crypto.subtle.deriveKey(
        { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: INFO },
        base,
        { name: "AES-GCM", length: 256 },
        false,
        ["encrypt", "decrypt"],
      );
      // 48 bits of a hash: tells keys apart without saying anything useful about them.
      const id = (await sha256Base64Url(`${PREFIX}:${material}`)).slice(0, 8);
      return { id, key };
    })();
    keys.set(material, found);
  }
  return found;
}

export function isSealed(text: string): boolean {
  return text.startsWith(`${PREFIX}.`);
}

/** Seals `plaintext` for one row (`context`, e.g. its workspace and id): it opens nowhere else. */
export async function seal(plaintext: string, keyMaterial: string, context: string): Promise<string> {
  const { id, key } = await derive(keyMaterial);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(context) },
    key,
    new TextEncoder().encode(plaintext),
  );
  return [PREFIX, id, toBase64Url(iv), toBase64Url(new Uint8Array(sealed))].join(".");
}

/** The key id a sealed value names, or null if it is not one. */
export function sealedKeyId(sealed: string): string | null {
  const parts = sealed.split(".");
  return parts.length === 4 && parts[0] === PREFIX ? parts[1]! : null;
}

/**
 * Opens a sealed value with whichever of `keyMaterials` sealed it. Throws when none did, or when
 * the value was altered or belongs to another row.
 */
export async function open(sealed: string, keyMaterials: string[], context: string): Promise<string> {
  const parts = sealed.split(".");
  if (parts.length !== 4 || parts[0] !== PREFIX) throw new Error("not a sealed secret");
  for (const material of keyMaterials) {
    const { id, key } = await derive(material);
    if (id !== parts[1]) continue;
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: fromBase64Url(parts[2]!), additionalData: new TextEncoder().encode(context) },
      key,
      fromBase64Url(parts[3]!),
    );
    return new TextDecoder().decode(plain);
  }
  throw new Error(`sealed with key ${parts[1]}, which is not configured`);
}

/** The key id of `keyMaterial`, to tell which rows an older key sealed. */
export async function keyId(keyMaterial: string): Promise<string> {
  return (await derive(keyMaterial)).id;
}
