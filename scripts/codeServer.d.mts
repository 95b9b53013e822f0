// Types for scripts/codeServer.mjs, so that TypeScript tests (test/e2e) can import it under strict mode.
import type { ChildProcess } from 'node:child_process';

export declare const ROOT: string;
export declare const CACHE: string;
export interface Profile {
  home: string;
  userData: string;
  extensions: string;
  tmp: string;
}
export interface CodeServer {
  url: string;
  proc: ChildProcess;
  stop(): Promise<void>;
  killNow(): void;
}
export interface StartOptions {
  port: number;
  folder: string;
  env?: Record<string, string>;
  logFile?: string;
  inherit?: boolean;
  /** Keep VS Code's workspace trust on (the folder opens in Restricted Mode). */
  trust?: boolean;
}
/** `env` without the variables and PATH entries `npm run` adds about the outer npm (Node 20). */
export declare function withoutNpmRunEnv(env?: NodeJS.ProcessEnv): Record<string, string>;
export declare function codeServerEnv(extra?: Record<string, string>): NodeJS.ProcessEnv;
export declare function ensureCodeServer(opts?: { log?: (msg: string) => void }): string;
/** The profile `npm start` uses, under .vscode-test/. */
export declare const START_PROFILE: string;
export declare function profilePaths(dir: string): { home: string; userData: string; extensions: string };
export declare function listExtensions(bin: string, dir: string): string[];
export declare function makeProfile(dir: string, opts?: { trust?: boolean }): Profile;
export declare function installVsix(bin: string, profile: Profile, vsix: string, opts?: { quiet?: boolean }): void;
export declare function startCodeServer(bin: string, profile: Profile, opts: StartOptions): Promise<CodeServer>;
