/** Passwords, visitor tokens and session secrets: WebCrypto only, so it runs at the edge and in Node. */
export { hashPassword, verifyPassword, PBKDF2_ITERATIONS } from "./password.ts";
export { signVisitorToken, verifyVisitorToken, isVisitorToken, VisitorClaims } from "./visitor-token.ts";
export { randomToken, sha256Base64Url } from "./encoding.ts";
export { seal, open as openSealed, isSealed, sealedKeyId, keyId, MIN_KEY_CHARS } from "./secret-box.ts";
