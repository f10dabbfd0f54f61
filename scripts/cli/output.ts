/** Exit codes of `npx notary` (README "Command line"). */
export const EXIT = {
  /** Done; for `verify`: the document is anchored and not revoked. */
  ok: 0,
  /** `verify`: invalid or unknown (or still pending); `notarise`: some file failed. */
  invalid: 1,
  /** `verify`: the document is anchored but revoked. */
  revoked: 2,
  /** Could not do the job: bad arguments, unreachable server or chain, unreadable file. */
  error: 3,
  /** `verify`: a genuine receipt that may not be relied on: its issuer is unconfirmed, or it expired or is not yet valid. */
  notReliable: 4,
} as const;

/** A failure the CLI reports as one line and exit code 3. */
export class CliError extends Error {}

/** Prints JSON with --json, else the text. */
export function printer(json: boolean) {
  return (value: unknown, text: string) => console.log(json ? JSON.stringify(value, null, 2) : text);
}

/** A setting from an option, else the environment, else a default. */
export const optionOrEnv = (option: string | undefined, env: string, fallback?: string): string | undefined =>
  option ?? (process.env[env] || undefined) ?? fallback;
