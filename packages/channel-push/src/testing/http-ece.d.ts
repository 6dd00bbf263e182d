// http_ece ships no types; the ECE unit test only uses `encrypt`, to cross-check our decryption.
declare module 'http_ece' {
  export function encrypt(buffer: Buffer, params: Record<string, unknown>): Buffer
}
