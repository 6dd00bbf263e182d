import { deflateSync } from 'node:zlib'
import { headers } from 'nats'
import { describe, expect, it } from 'vitest'
import { COMPRESS_FROM_BYTES, CONTENT_ENCODING, decodeBody, encodeBody } from './body-encoding.js'

const batchJson = JSON.stringify(
  Array.from({ length: 30 }, (_, i) => ({ id: `e${i}`, type: 'product.viewed', source: 'web', time: '2026-01-01T00:00:00.000Z', identity: { customerId: `c${i}` }, data: { sku: `SKU-${i}` } })),
)
const marked = (encoding: string) => {
  const h = headers()
  h.set(CONTENT_ENCODING, encoding)
  return h
}

describe('message body encoding', () => {
  it('deflates a body of several events, marks it, and reads it back', () => {
    const body = encodeBody(batchJson, 'deflate')
    expect(body.headers?.get(CONTENT_ENCODING)).toBe('deflate')
    expect(body.data.length).toBeLessThan(batchJson.length / 3)
    expect(decodeBody(body)).toBe(batchJson)
  })

  it('leaves a body shorter than the threshold, and every body with `none`, as plain JSON', () => {
    const small = JSON.stringify({ id: 'e1', data: { note: 'ünïcode' } })
    expect(Buffer.byteLength(small)).toBeLessThan(COMPRESS_FROM_BYTES)
    for (const body of [encodeBody(small, 'deflate'), encodeBody(batchJson, 'none')]) {
      expect(body.headers).toBeUndefined()
      expect(decodeBody(body)).toBe(new TextDecoder().decode(body.data))
    }
    expect(decodeBody(encodeBody(small, 'deflate'))).toBe(small)
  })

  it('refuses an encoding it does not know, naming it, and a body that does not inflate', () => {
    expect(() => decodeBody({ data: new Uint8Array([1, 2, 3]), headers: marked('zstd') })).toThrow(/Content-Encoding is "zstd"/)
    expect(() => decodeBody({ data: new TextEncoder().encode(batchJson), headers: marked('deflate') })).toThrow(/deflated body does not inflate: incorrect header check/)
  })

  it('stops inflating past 64 MiB (a small message must not exhaust a worker)', () => {
    const bomb = deflateSync(Buffer.alloc(64 * 1024 * 1024 + 1, 0x20))
    expect(bomb.length).toBeLessThan(100_000)
    expect(() => decodeBody({ data: bomb, headers: marked('deflate') })).toThrow('its deflated body does not inflate: it inflates to more than 67108864 bytes')
  })
})
