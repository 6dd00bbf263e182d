import { escapeHtml } from './templates.js'

/** Texts of the unsubscribe pages, per language. */
export interface UnsubscribePageTexts {
  readonly confirmTitle: string
  readonly confirmBody: string
  readonly confirmButton: string
  readonly doneTitle: string
  readonly doneBody: string
  readonly invalidTitle: string
  readonly invalidBody: string
}

/** The built-in page texts (Japanese and English). */
export const UNSUBSCRIBE_PAGE_TEXTS: Readonly<Record<'ja' | 'en', UnsubscribePageTexts>> = {
  ja: {
    confirmTitle: 'メール配信の停止',
    confirmBody: '今後このメールの配信を停止します。よろしければボタンを押してください。',
    confirmButton: '配信を停止する',
    doneTitle: '配信を停止しました',
    doneBody: 'ご利用ありがとうございました。今後このメールはお送りしません。',
    invalidTitle: 'リンクが無効です',
    invalidBody: 'このリンクは無効か、期限が切れています。',
  },
  en: {
    confirmTitle: 'Unsubscribe',
    confirmBody: 'You will no longer receive these emails. Press the button to confirm.',
    confirmButton: 'Unsubscribe',
    doneTitle: 'You are unsubscribed',
    doneBody: 'You will not receive these emails any more.',
    invalidTitle: 'This link is not valid',
    invalidBody: 'The link is not valid or has expired.',
  },
}

/** Picks `ja` or `en` from an Accept-Language header (Japanese when it comes first or nothing matches). */
export function pageLanguage(acceptLanguage: string | undefined): 'ja' | 'en' {
  for (const part of (acceptLanguage ?? '').split(',')) {
    const tag = part.split(';')[0]?.trim().toLowerCase() ?? ''
    if (tag.startsWith('ja')) return 'ja'
    if (tag.startsWith('en')) return 'en'
  }
  return 'ja'
}

function page(lang: string, title: string, inner: string): string {
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHtml(title)}</title></head><body style="font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem"><h1>${escapeHtml(title)}</h1>${inner}</body></html>`
}

/**
 * The confirmation page a GET shows. GET never unsubscribes: link scanners and previews follow
 * links, so only the POST (the one-click request of RFC 8058, or this form) does.
 */
export function confirmPage(lang: 'ja' | 'en', texts: UnsubscribePageTexts): string {
  return page(
    lang,
    texts.confirmTitle,
    `<p>${escapeHtml(texts.confirmBody)}</p><form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">${escapeHtml(texts.confirmButton)}</button></form>`,
  )
}

/** The page after a successful unsubscribe. */
export function donePage(lang: 'ja' | 'en', texts: UnsubscribePageTexts): string {
  return page(lang, texts.doneTitle, `<p>${escapeHtml(texts.doneBody)}</p>`)
}

/** The page for a bad or expired link. */
export function invalidPage(lang: 'ja' | 'en', texts: UnsubscribePageTexts): string {
  return page(lang, texts.invalidTitle, `<p>${escapeHtml(texts.invalidBody)}</p>`)
}
