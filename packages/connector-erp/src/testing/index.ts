export { listenLocal, serveRoutes, type LocalServer } from '@omotenashi/core/testing'
export * from './odoo-test-server.js'
export * from './sap-test-server.js'
export * from './feed-state-contract.js'
