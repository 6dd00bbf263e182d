export * from './contract-rules.js'
export * from './profile-store-contract.js'
export * from './profile-batch-suite.js'
export * from './hub-store-suite.js'
