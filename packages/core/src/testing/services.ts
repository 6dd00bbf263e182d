import { connect } from 'node:net'
import { it } from 'vitest'

/** Whether something listens on `host:port` (a TCP connect within `timeoutMs`). */
export async function isReachable(port: number, host = '127.0.0.1', timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host })
    const done = (ok: boolean): void => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}

/** Whether integration tests must fail (not skip) when a service is down: `OMOTENASHI_REQUIRE_SERVICES=1`. */
export const servicesRequired = process.env['OMOTENASHI_REQUIRE_SERVICES'] === '1'

/** Well-known local service ports. */
export const SERVICE_PORTS = { postgres: 5432, redis: 6379, nats: 4222, rabbitmq: 5672, mqtt: 1883, mariadb: 3306 } as const

/**
 * Resolves to `it` when the service is up, else `it.skip` — unless services are required, when a
 * missing service makes the test fail with a clear message. Use with top-level await:
 * `const test = await serviceTest('postgres')`.
 */
export async function serviceTest(service: keyof typeof SERVICE_PORTS): Promise<typeof it> {
  const up = await isReachable(SERVICE_PORTS[service])
  if (up) return it
  if (servicesRequired) {
    const failing = ((name: string) =>
      it(name, () => {
        throw new Error(`${service} is not reachable on 127.0.0.1:${SERVICE_PORTS[service]} and OMOTENASHI_REQUIRE_SERVICES=1`)
      })) as unknown as typeof it
    return failing
  }
  return it.skip as unknown as typeof it
}
