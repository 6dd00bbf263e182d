import type { KeyObject } from 'node:crypto'
import { Agent } from 'node:https'
import { parseOptions } from '@omotenashi/core'
import * as z from 'zod'

const keyObject = z.custom<KeyObject>((v) => typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'private', 'must be a private KeyObject')

/** Options of {@link pushChannel}, as validated. */
export const PushChannelOptionsSchema = z
  .object({
    /** Channel id. Default `push`. */
    id: z.string().regex(/^[a-z][a-z0-9_-]{0,49}$/, 'must be a lower-case name such as "push"').default('push'),
    /** Web Push with VAPID. */
    webPush: z
      .object({
        vapid: z.object({
          subject: z.string().regex(/^(mailto:|https:\/\/)/, 'must be a mailto: or https: URL'),
          publicKey: z.string().regex(/^[A-Za-z0-9_-]{86,88}$/, 'must be the base64url VAPID public key (65 bytes)'),
          privateKey: z.string().regex(/^[A-Za-z0-9_-]{42,44}$/, 'must be the base64url VAPID private key (32 bytes)'),
        }),
        agent: z.instanceof(Agent, { error: 'must be an https.Agent' }).optional(),
        timeoutMs: z.number().int().positive().optional(),
      })
      .strict()
      .optional(),
    /** FCM HTTP v1. */
    fcm: z
      .object({
        projectId: z.string().regex(/^[a-z][a-z0-9-]{3,61}[a-z0-9]$/, 'must be a Firebase project id'),
        accessToken: z.custom<() => string | Promise<string>>((v) => typeof v === 'function', 'must be a function returning an OAuth access token'),
        baseUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
        fetch: z.custom<typeof fetch>((v) => typeof v === 'function', 'must be a fetch function').optional(),
        timeoutMs: z.number().int().positive().optional(),
      })
      .strict()
      .optional(),
    /** APNs with token authentication. */
    apns: z
      .object({
        teamId: z.string().regex(/^[A-Z0-9]{10}$/, 'must be the 10-character Team ID'),
        keyId: z.string().regex(/^[A-Z0-9]{10}$/, 'must be the 10-character Key ID'),
        privateKey: z.union([z.string().includes('PRIVATE KEY', { error: 'must be the .p8 key in PEM' }), keyObject]),
        topic: z.string().min(1, 'must be the app bundle id'),
        environment: z.enum(['production', 'sandbox']).optional(),
        url: z.url({ protocol: /^https$/, error: 'must be an https URL' }).optional(),
        ca: z.union([z.string(), z.instanceof(Buffer)]).optional(),
        tokenTtlMs: z.number().int().min(60_000).max(3_600_000).optional(),
        timeoutMs: z.number().int().positive().optional(),
      })
      .strict()
      .optional(),
    /** Default time to live of a notification, in seconds. Default 86 400 (a day). */
    ttlSeconds: z.number().int().min(0).max(2_419_200).default(86_400),
    /** Default urgency. Default `normal`. */
    urgency: z.enum(['very-low', 'low', 'normal', 'high']).default('normal'),
    /** Most devices one send reaches. Default 10. */
    maxDevices: z.number().int().positive().max(100).default(10),
    /** Path of the device registration routes. Default `/push/tokens`. */
    devicesPath: z.string().regex(/^\/[A-Za-z0-9/_-]*$/, 'must be a path such as "/push/tokens"').default('/push/tokens'),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (!v.webPush && !v.fcm && !v.apns) ctx.addIssue({ code: 'custom', path: [], message: 'configure at least one of webPush, fcm and apns' })
  })

/** Options of {@link pushChannel}. */
export type PushChannelOptions = z.input<typeof PushChannelOptionsSchema>

/** Validates {@link PushChannelOptions}; throws a `ValidationError` (from `@omotenashi/core`) naming each bad field. */
export function parsePushChannelOptions(input: PushChannelOptions): z.output<typeof PushChannelOptionsSchema> {
  return parseOptions(PushChannelOptionsSchema, input, 'pushChannel')
}

/** Options of {@link inboxChannel}, as validated. */
export const InboxChannelOptionsSchema = z
  .object({
    /** Channel id. Default `inbox`. */
    id: z.string().regex(/^[a-z][a-z0-9_-]{0,49}$/, 'must be a lower-case name such as "inbox"').default('inbox'),
    /** How long messages stay, in seconds (0: until deleted). Default 30 days. */
    ttlSeconds: z.number().int().min(0).default(30 * 86_400),
  })
  .strict()

/** Options of {@link inboxChannel}. */
export type InboxChannelOptions = z.input<typeof InboxChannelOptionsSchema>
