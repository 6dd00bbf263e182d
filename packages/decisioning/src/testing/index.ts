export * from './profile-fixture.js'
export * from './contact-history-contract.js'
export * from './contact-history-across-hubs.js'
