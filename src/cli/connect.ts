/**
 * `ocppkit connect <url>`: an interactive client, like `python -m websockets <url>`. Each line typed is
 * sent as a frame; each frame received is printed. It answers nothing by itself.
 */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { WebSocket } from 'ws';

export interface ConnectOptions {
  url: string;
  protocols: string[];
  input?: Readable;
  output?: Writable;
}

/** Resolves with the close code once the connection is closed (by either side, or at the end of input). */
export function connect({ url, protocols, input = process.stdin, output = process.stdout }: ConnectOptions) {
  const print = (line: string) => output.write(`${line}\n`);
  return new Promise<number>((resolve) => {
    const ws = new WebSocket(url, protocols);
    let lines: ReturnType<typeof createInterface> | undefined;
    ws.on('open', () => {
      print(`Connected to ${url} (${ws.protocol || 'no subprotocol'})`);
      lines = createInterface({ input, terminal: false });
      lines.on('line', (line) => {
        if (line.trim() !== '') ws.send(line);
      });
      lines.on('close', () => ws.close(1000));
    });
    ws.on('message', (data, isBinary) =>
      print(isBinary ? `< binary frame, ${(data as Buffer).length} bytes` : `< ${data}`),
    );
    ws.on('error', (error) => print(`Connection error: ${error.message}`));
    ws.on('close', (code, reason) => {
      lines?.close();
      print(`Connection closed: code ${code}${reason.length ? `, ${reason}` : ''}`);
      resolve(code);
    });
  });
}
