import { Tokens } from '@omotenashi/core'
import { ContainerModule, type ServiceIdentifier } from 'inversify'
import type { SourceConnector } from './source-connector.js'
import { webhookRoute } from './webhook-route.js'

/** A POS source fed by signed webhooks (Square, Shopify, Smaregi). */
export type WebhookSource = SourceConnector & { handleWebhook: Parameters<typeof webhookRoute>[2] }

/**
 * The hub module of a webhook-fed POS source: the connector under its own token and as a
 * `Connector`, and its public webhook route, whose forged and malformed deliveries count on the
 * connector's health. One place, so the three POS factories cannot wire it differently.
 */
export function webhookSourceModule<C extends WebhookSource>(token: ServiceIdentifier<C>, connector: C, path: string, summary: string): ContainerModule {
  return new ContainerModule((m) => {
    m.bind(token).toConstantValue(connector)
    m.bind(Tokens.Connector).toConstantValue(connector)
    m.bind(Tokens.HttpRoute).toConstantValue(
      webhookRoute(path, summary, (request) => connector.handleWebhook(request), (kind, message) => connector.countFailure(kind, message)),
    )
  })
}
