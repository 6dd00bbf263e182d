import { CONSOLE_CSS } from './console-css.js'

/**
 * The call-centre agent page: look a caller up by an identifier, see the same card staff see
 * in store with the next best action and why, and record what the customer said. It calls
 * the `decide`-scoped routes with the API key the agent enters.
 */
export const AGENT_HTML = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Omotenashi · Agent card</title>
<style>
${CONSOLE_CSS}</style>
</head>
<body data-mode="agent">
<header>
  <h1>Agent card</h1>
  <span id="who"></span>
  <span id="status" data-state="signed-out">ready</span>
</header>
<main>
  <form class="lookup" id="lookup-form">
    <label>API key <input id="api-key" type="password" autocomplete="off"></label>
    <label>Identifier
      <select id="kind">
        <option value="phone">Phone</option>
        <option value="loyaltyId">Loyalty id</option>
        <option value="email">Email</option>
        <option value="customerId">Customer id</option>
        <option value="lineUserId">LINE user id</option>
      </select>
    </label>
    <label>Value <input id="value" autocomplete="off"></label>
    <button id="look-up" type="submit">Look up</button>
  </form>
  <div id="error" role="alert"></div>
  <section id="feed">
    <div id="cards" aria-live="polite"></div>
    <p class="empty" id="empty">Look a caller up to see their card.</p>
  </section>
</main>
<script src="console.js"></script>
</body>
</html>
`
