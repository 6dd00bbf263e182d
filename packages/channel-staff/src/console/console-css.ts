/** Styles shared by the staff console and the agent page. */
export const CONSOLE_CSS = String.raw`  :root { color-scheme: light; --ink: #1d232a; --muted: #66707a; --line: #d9dee3; --accent: #8a1538; --ok: #1f7a4d; }
  * { box-sizing: border-box; }
  [hidden] { display: none !important; }
  body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Hiragino Sans", "Noto Sans JP", sans-serif; color: var(--ink); background: #f5f6f7; }
  header { display: flex; gap: 1rem; align-items: center; padding: .75rem 1rem; background: #fff; border-bottom: 1px solid var(--line); }
  header h1 { font-size: 1.05rem; margin: 0; }
  #who { color: var(--muted); }
  #status { margin-left: auto; font-size: .85rem; padding: .15rem .6rem; border-radius: 1rem; background: #eee; }
  #status[data-state="live"] { background: #dff3e8; color: var(--ok); }
  #status[data-state="offline"] { background: #fbe3e3; color: #a11; }
  main { max-width: 56rem; margin: 1rem auto; padding: 0 1rem; }
  form#sign-in-form { background: #fff; border: 1px solid var(--line); border-radius: .5rem; padding: 1rem; display: grid; gap: .6rem; }
  textarea, input, select, button { font: inherit; }
  textarea { width: 100%; min-height: 4.5rem; }
  #error { color: #a11; min-height: 1.2em; }
  .empty { color: var(--muted); text-align: center; padding: 2rem; }
  article.card { background: #fff; border: 1px solid var(--line); border-left: 4px solid var(--accent); border-radius: .5rem; padding: .9rem 1rem; margin-bottom: .9rem; }
  article.card[data-priority="high"] { border-left-color: #c60; }
  article.card.done { opacity: .6; border-left-color: var(--ok); }
  .top { display: flex; gap: .6rem; align-items: baseline; flex-wrap: wrap; }
  .name { font-weight: 700; font-size: 1.1rem; }
  .tier { font-size: .8rem; padding: 0 .5rem; border-radius: 1rem; background: #f3e3c3; }
  .time { margin-left: auto; color: var(--muted); font-size: .85rem; }
  .suggestion { font-size: 1.05rem; margin: .5rem 0; padding: .5rem .7rem; background: #eef6f1; border-radius: .4rem; }
  .avoid { margin: .3rem 0; padding: .4rem .7rem; background: #fdeeee; border-radius: .4rem; }
  .avoid::before { content: "Avoid: "; font-weight: 700; }
  h3 { font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin: .6rem 0 .2rem; }
  ul { margin: 0; padding-left: 1.2rem; }
  .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(14rem, 1fr)); gap: .2rem 1rem; }
  .acks { color: var(--ok); font-size: .9rem; margin-top: .4rem; }
  .actions { display: flex; gap: .5rem; margin-top: .6rem; flex-wrap: wrap; }
  .actions input { flex: 1; min-width: 10rem; }
  button { cursor: pointer; border: 1px solid var(--line); background: #fff; border-radius: .35rem; padding: .3rem .8rem; }
  button.served { background: var(--ok); color: #fff; border-color: var(--ok); }
  form.lookup { display: flex; gap: .5rem; flex-wrap: wrap; align-items: end; background: #fff; border: 1px solid var(--line); border-radius: .5rem; padding: 1rem; margin-bottom: 1rem; }
  form.lookup label { display: grid; gap: .2rem; font-size: .85rem; color: var(--muted); }
  .why { margin-top: .5rem; font-size: .9rem; color: var(--muted); }
`
