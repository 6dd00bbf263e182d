// The main job: the fashion-retail hub on embedded defaults, its HTTP API, the staff console and
// a live decision-log page, and a simulated Saturday of store and online traffic.
//   npm start                 (at the repository root; PORT=8080 npm start for another port)
//   npm start -- --once       (play the day, print the summary, exit: what tests and CI run)
import { randomBytes } from 'node:crypto'
import { seededRandom } from '@omotenashi/core'
import { hashApiKey, omotenashiServer } from '@omotenashi/server'
import { STORE_IDS } from './catalogue.js'
import { createFashionHub } from './hub.js'
import { DAY, jst, makeCustomers, simulateDay } from './simulate.js'

const args = process.argv.slice(2)
const once = args.includes('--once') || process.env['OMOTENASHI_DEMO_ONCE'] === '1'
const customers = Number(args.find((a) => a.startsWith('--customers='))?.slice(12) ?? 300)
const msPerMinute = Number(args.find((a) => a.startsWith('--pace='))?.slice(7) ?? 0)
const host = process.env['HOST'] ?? '127.0.0.1'
if (!Number.isInteger(customers) || customers < 2 || customers > 20_000) {
  console.error('--customers must be a whole number from 2 to 20000')
  process.exit(2)
}
if (!Number.isFinite(msPerMinute) || msPerMinute < 0) {
  console.error('--pace must be the real milliseconds per simulated minute (0 or more)')
  process.exit(2)
}

const fashion = await createFashionHub()
const { hub, stats } = fashion

// One local key for the demo, printed below; a real deployment configures hashed keys per client.
const apiKey = `demo_${randomBytes(18).toString('base64url')}`
const app = await omotenashiServer(hub, { apiKeys: [{ name: 'demo', sha256: hashApiKey(apiKey), scopes: ['ingest', 'read', 'decide', 'admin'] }], logger: false })
const wanted = process.env['PORT'] === undefined ? (once ? 0 : 3000) : Number(process.env['PORT'])
let address: string
try {
  address = await app.listen({ port: wanted, host })
} catch (error) {
  // 3000 taken and no PORT asked for: any free port will do.
  if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || process.env['PORT'] !== undefined) throw error
  address = await app.listen({ port: 0, host })
}
const tokens = Object.fromEntries(STORE_IDS.map((store) => [store, fashion.staffToken(`staff-${store}`, store)]))

const where = (): string =>
  [
    'WHERE TO LOOK',
    `  Staff console     ${address}/staff/console`,
    ...STORE_IDS.map((store) => `    device token (${store.padEnd(7)}) ${tokens[store]}`),
    `  Decision log      ${address}/demo/decisions#key=${apiKey}`,
    `  HTTP API          ${address}/v1/…  (header x-api-key: ${apiKey})`,
    `    e.g. curl -H 'x-api-key: ${apiKey}' '${address}/demo/decisions.json?customer=FR-0001'`,
    `  OpenAPI           ${address}/openapi.json`,
  ].join('\n')

console.log(`Omotenashi · fashion-retail demo on embedded defaults (memory stores; LINE, email and push recorded locally, not sent)`)
console.log(`Serving on ${address}. Playing a simulated Saturday (${DAY}, JST) for ${customers} loyalty members on the virtual clock…`)
if (!once) console.log(`\n${where()}\n`)

const started = Date.now()
const report = await simulateDay(fashion, {
  customers,
  ...(msPerMinute > 0 ? { msPerMinute } : {}),
  onHour: (h) => {
    if (h % 3 === 0) process.stdout.write(`  ${String(h).padStart(2, '0')}:00 JST · ${stats.decisions} decisions so far\n`)
  },
})
const took = ((Date.now() - started) / 1000).toFixed(1)

const fmt = (map: Map<string, number>): string =>
  [...map.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, n]) => `${k} ${n}`)
    .join(' · ')
console.log(`\nSUMMARY (${took} s of real time)`)
console.log(`  events      ${report.events} accepted${report.rejected > 0 ? `, ${report.rejected} refused` : ''} from ${report.customers} customers`)
console.log(`  decisions   ${stats.decisions} (${stats.acted} chose an action)`)
console.log(`  sends       ${fmt(stats.sends)}`)
console.log(`  by action   ${fmt(stats.sendsByAction)}`)
console.log(`  blocked by policy  ${fmt(stats.blocked)}`)
console.log(`  deferred    ${fmt(stats.deferred)}`)
console.log(`  dead letters ${stats.deadLetters.length}${stats.deadLetters.length > 0 ? `: ${stats.deadLetters.slice(0, 3).join('; ')}` : ''}`)
console.log('\nWHAT WAS SENT (the first of each action)')
for (const [actionId, { channel, message }] of stats.firstByAction) {
  const body = [message.title, message.text ?? (message.content?.['line'] as { text?: string } | undefined)?.text, message.url].filter(Boolean).join(' | ')
  console.log(`  ${actionId.padEnd(26)} ${channel.padEnd(6)} ${message.storeId ? `[${message.storeId}] ` : ''}${body}`)
}
const hanako = (await fashion.decisions('FR-0001')).find((d) => d.trigger === 'store.checked_in')
const restraint = hanako?.candidates.find((c) => c.actionId === 'vip-sale-pitch')
if (hanako && restraint) {
  const won = hanako.candidates.find((c) => c.status === 'won')
  console.log(`\nSEE WHY (FR-0001 Hanako, platinum, bought the coat 5 days ago; it went on sale at 16:30)`)
  console.log(`  check-in at Shibuya → ${won?.actionId ?? 'nothing'} won; vip-sale-pitch ${restraint.status} by ${restraint.policy}: ${restraint.reasons.join('; ')}`)
}

if (once) {
  console.log(`\n${where()}`)
  await app.close()
  await fashion.stop()
  process.exit(stats.deadLetters.length > 0 ? 1 : 0)
}

console.log(`\n${where()}`)
console.log('\nThe next morning, a VIP walks into a store every 5 seconds: watch the cards arrive on the console and the decisions on the log. Ctrl-C to stop.')
await fashion.clock.advanceTo(jst(DAY, '10:00') + 86_400_000)
const random = seededRandom(7)
const vips = makeCustomers(customers, seededRandom(2026)).filter((c) => c.tier === 'gold' || c.tier === 'platinum')
const trickle = setInterval(() => {
  const vip = vips[Math.floor(random() * vips.length)]!
  void fashion.clock
    .advance(2 * 60_000)
    .then(() => hub.publish({ type: 'store.checked_in', source: 'app', identity: { loyaltyId: vip.loyaltyId }, storeId: vip.home, data: { method: 'app' } }))
    .then(() => hub.drain())
    .catch((error: unknown) => console.error('live check-in failed:', (error as Error).message))
}, 5_000)
let stopping = false
const shutdown = async (): Promise<void> => {
  if (stopping) return
  stopping = true
  clearInterval(trickle)
  console.log('\nStopping…')
  // Open consoles keep WebSockets and event streams open: do not wait on them for more than a moment.
  const guard = setTimeout(() => process.exit(0), 3_000)
  guard.unref()
  await fashion.stop()
  app.server.closeAllConnections()
  await app.close()
  process.exit(0)
}
process.on('SIGINT', () => void shutdown())
process.on('SIGTERM', () => void shutdown())
