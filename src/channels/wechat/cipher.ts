import { SwitchboardError } from "../../model/index.ts";

/**
 * WeChat's message encryption ("safe mode"), from its published algorithm: AES-256-CBC with
 * key = base64decode(EncodingAESKey + "="), IV = the key's first 16 bytes, PKCS#7 padding to
 * 32-byte blocks; the plaintext is 16 random bytes, the XML's byte length (4 bytes, big-endian),
 * the XML, then the app ID.
 */
export function wechatAesKey(encodingAesKey: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]{43}$/.test(encodingAesKey)) throw new SwitchboardError("misconfigured", "EncodingAESKey must be 43 base64 characters");
  const raw = atob(`${encodingAesKey}=`);
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

function fromBase64(text: string): Uint8Array {
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    throw new SwitchboardError("invalid_request", "the Encrypt field is not base64");
  }
}

function cannotDecrypt(): SwitchboardError {
  return new SwitchboardError("signature_invalid", "the Encrypt field does not decrypt with this account's EncodingAESKey");
}

/** The XML inside an `Encrypt` field, after checking it was sealed for `appId`. */
export async function decryptWechat(encrypted: string, encodingAesKey: string, appId: string): Promise<string> {
  const key = wechatAesKey(encodingAesKey);
  const data = fromBase64(encrypted);
  if (data.byteLength === 0 || data.byteLength % 32 !== 0) throw cannotDecrypt();
  const cryptoKey = await crypto.subtle.importKey("raw", key, "AES-CBC", false, ["decrypt", "encrypt"]);
  const iv = key.slice(0, 16);
  // WebCrypto insists on PKCS#7 to 16-byte blocks, WeChat pads to 32: decrypt raw by appending one
  // block that WebCrypto will take as valid padding (the encryption of 16 × 0x10 chained after the data).
  const tail = data.slice(data.byteLength - 16);
  const padBlock = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-CBC", iv: tail }, cryptoKey, new Uint8Array(0))).slice(0, 16);
  const joined = new Uint8Array(data.byteLength + 16);
  joined.set(data);
  joined.set(padBlock, data.byteLength);
  let plain: Uint8Array;
  try {
    plain = new Uint8Array(await crypto.subtle.decrypt({ name: "AES-CBC", iv }, cryptoKey, joined));
  } catch {
    throw cannotDecrypt();
  }
  const pad = plain[plain.byteLength - 1]!;
  if (pad < 1 || pad > 32 || pad > plain.byteLength) throw cannotDecrypt();
  for (let i = plain.byteLength - pad; i < plain.byteLength; i++) if (plain[i] !== pad) throw cannotDecrypt();
  const body = plain.subarray(0, plain.byteLength - pad);
  if (body.byteLength < 20) throw cannotDecrypt();
  const length = new DataView(body.buffer, body.byteOffset + 16, 4).getUint32(0, false);
  if (20 + length > body.byteLength) throw cannotDecrypt();
  const xml = new TextDecoder().decode(body.subarray(20, 20 + length));
  const sealedFor = new TextDecoder().decode(body.subarray(20 + length));
  if (sealedFor !== appId) {
    throw new SwitchboardError("signature_invalid", `the message was encrypted for app ID ${sealedFor}, not this account's ${appId}`);
  }
  return xml;
}
