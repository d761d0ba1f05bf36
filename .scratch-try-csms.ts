import { createDemoCsms } from './src/demo/index.ts';
import { testCsms } from './src/conformance/run-csms.ts';
const { server } = createDemoCsms({ port: 0, host: '127.0.0.1' });
const { port } = await server.listen();
for (const protocol of ['ocpp1.6', 'ocpp2.0.1', 'ocpp2.1'] as const) {
  const r = await testCsms({ url: `ws://127.0.0.1:${port}`, protocol, timeout: 2000 });
  console.log(protocol, r.results.length, 'cases', r.durationMs, 'ms', r.passed);
  for (const c of r.results) if (c.verdict !== 'passed') console.log(' ', c.id, JSON.stringify(c.problems), c.frames.map(f=>f.direction[0]+f.text).join('\n    ').slice(0,1500));
}
await server.close();
