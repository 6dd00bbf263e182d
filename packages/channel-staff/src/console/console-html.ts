import { CONSOLE_CSS } from './console-css.js'

/**
 * The staff console page: plain HTML, no build step. It loads `console.js` from beside itself,
 * so it works under any base path.
 */
export const CONSOLE_HTML = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Omotenashi · Staff console</title>
<style>
${CONSOLE_CSS}</style>
</head>
<body data-mode="store">
<header>
  <h1>Staff console</h1>
  <span id="who"></span>
  <span id="status" data-state="signed-out">signed out</span>
  <button id="sign-out" hidden>Sign out</button>
</header>
<main>
  <form id="sign-in-form">
    <label for="token">Device token</label>
    <textarea id="token" autocomplete="off" spellcheck="false" placeholder="stf1.…"></textarea>
    <label for="store">Store</label>
    <select id="store"><option value="">(from the token)</option></select>
    <div><button id="sign-in" type="submit">Sign in</button></div>
    <div id="error" role="alert"></div>
  </form>
  <section id="feed" hidden>
    <div id="cards" aria-live="polite"></div>
    <p class="empty" id="empty">No customers waiting. New cards appear here live.</p>
  </section>
</main>
<script src="console.js"></script>
</body>
</html>
`
