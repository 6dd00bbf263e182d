import type { Hub } from '@omotenashi/core'
import type { FastifyRequest } from 'fastify'
import type { Ingestor } from '../ingest/ingestor.js'
import type { ServerMetrics } from '../metrics.js'
import type { ResolvedServerOptions } from '../options.js'

/** What route modules share. */
export interface RouteContext {
  readonly hub: Hub
  readonly options: ResolvedServerOptions
  readonly ingestor: Ingestor
  readonly metrics: ServerMetrics
}

/**
 * The body's size in bytes when it is known without measuring (a plain body with a
 * content-length); otherwise Infinity, so every item gets measured.
 */
export function bodyBytesOf(request: FastifyRequest): number {
  if (request.headers['content-encoding'] !== undefined) return Number.POSITIVE_INFINITY
  const length = Number(request.headers['content-length'])
  return Number.isFinite(length) ? length : Number.POSITIVE_INFINITY
}
