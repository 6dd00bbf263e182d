export * from './contract-rules.js'
export * from './profile-store-contract.js'
