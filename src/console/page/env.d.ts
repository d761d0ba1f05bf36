/** The request schemas of the actions the CSMS may send, per subprotocol: bundled into the page (see ../bundle.ts). */
declare module 'ocpp-console-schemas' {
  const schemas: Readonly<Record<string, Readonly<Record<string, import('./schema.ts').JsonSchema>>>>;
  export default schemas;
}
