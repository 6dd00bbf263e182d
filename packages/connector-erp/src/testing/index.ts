export * from './route-server.js'
export * from './odoo-test-server.js'
export * from './sap-test-server.js'
export * from './feed-state-contract.js'
