/** Where Debian's Chromium is and the flags every headless run uses; no imports, so a bench child can load it cheaply. */

export const CHROMIUM = process.env.OCPPKIT_CHROMIUM ?? '/usr/bin/chromium';

/** No sandbox (containers), no GPU, nothing fetched from the network. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
