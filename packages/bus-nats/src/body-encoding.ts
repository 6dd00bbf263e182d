import { deflateSync, inflateSync } from 'node:zlib'
import { headers, type MsgHdrs } from 'nats'
import type { ResolvedNatsBusOptions } from './options.js'

/** How the bus may compress what it publishes (the `compression` option, whose schema lists them). */
export type Compression = ResolvedNatsBusOptions['compression']

/** The header that names a message body's compression, with HTTP's name and values. */
export const CONTENT_ENCODING = 'Content-Encoding'

/**
 * Bodies shorter than this go as they are: a single event saves little and would cost a zlib
 * call on both sides. A message of several events (about 150 bytes each) is over it.
 */
export const COMPRESS_FROM_BYTES = 1_024

/**
 * The most a compressed body may inflate to: the bus packs at most 64 MiB of events into a
 * message (`publishBatchBytes`), so more is not ours, and a small message must not be able to
 * make a worker allocate without bound.
 */
const MAX_INFLATED_BYTES = 64 * 1024 * 1024

const text = new TextEncoder()
const fromBytes = new TextDecoder()

/** A message body ready to publish, and the headers that say how to read it (none: plain JSON). */
export interface EncodedBody {
  readonly data: Uint8Array
  readonly headers?: MsgHdrs
}

/**
 * Encodes the JSON of one message. With `deflate`, a body of {@link COMPRESS_FROM_BYTES} or
 * more is compressed (zlib format, as HTTP's `Content-Encoding: deflate`, level 1: the
 * consumer's inflate is what a worker pays per message, and level 1 keeps most of the saving)
 * and marked with a header.
 */
export function encodeBody(json: string, compression: Compression): EncodedBody {
  const data = text.encode(json)
  if (compression === 'none' || data.length < COMPRESS_FROM_BYTES) return { data }
  // A new headers object each time: the JetStream client adds the message id to the one given.
  const marked = headers()
  marked.set(CONTENT_ENCODING, 'deflate')
  return { data: deflateSync(data, { level: 1 }), headers: marked }
}

/**
 * The JSON text of a message: inflated when its header says it is deflated. Any reader does
 * this, whatever it publishes with, so workers read what publishers of either setting wrote.
 * Throws on an encoding it does not know or a body that does not inflate.
 */
export function decodeBody(message: { readonly data: Uint8Array; readonly headers?: MsgHdrs | undefined }): string {
  const encoding = message.headers?.get(CONTENT_ENCODING)
  if (!encoding) return fromBytes.decode(message.data)
  if (encoding !== 'deflate') throw new Error(`its ${CONTENT_ENCODING} is ${JSON.stringify(encoding)}, which this bus cannot read (it reads deflate)`)
  let inflated: Buffer
  try {
    inflated = inflateSync(message.data, { maxOutputLength: MAX_INFLATED_BYTES })
  } catch (error) {
    const reason = (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' ? `it inflates to more than ${MAX_INFLATED_BYTES} bytes` : (error as Error).message
    throw new Error(`its deflated body does not inflate: ${reason}`, { cause: error })
  }
  return fromBytes.decode(inflated)
}
