/** What each server under test provides to bench/server.ts. */
export interface RunningServer {
  port: number;
  /** Connections open right now (as the system counts them). */
  connections(): number;
}

export type StartServer = (host: string) => Promise<RunningServer>;
