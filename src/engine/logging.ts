/**
 * `tf.logging`: where warnings go. TensorFlow's text, with its `WARNING:tensorflow:` prefix, on
 * stderr by default; tests and programs can capture or silence it.
 */
import { functionArg } from "../tensor/args.js";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogHandler = (level: LogLevel, message: string) => void;

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const PREFIX: Record<LogLevel, string> = {
  debug: "DEBUG:tensorflow:",
  info: "INFO:tensorflow:",
  warn: "WARNING:tensorflow:",
  error: "ERROR:tensorflow:",
};

const defaultHandler: LogHandler = (level, message) => {
  process.stderr.write(`${PREFIX[level]}${message}\n`);
};

let handler: LogHandler = defaultHandler;
let threshold = RANK.warn;
const seen = new Set<string>();

/** Messages below `level` are dropped (default: warn). */
export function setVerbosity(level: LogLevel): void {
  threshold = RANK[level];
}

export function getVerbosity(): LogLevel {
  return (Object.keys(RANK) as LogLevel[]).find((k) => RANK[k] === threshold) ?? "warn";
}

/** Routes messages to `h` (null restores the default, which writes to stderr). Returns the old one. */
export function setHandler(h: LogHandler | null): LogHandler {
  const old = handler;
  handler = h ?? defaultHandler;
  return old;
}

/** Runs `fn` and returns what it logged (nothing reaches the usual handler meanwhile). */
export function capture<T>(fn: () => T): { result: T; messages: string[] } {
  functionArg("logging.capture", fn);
  const messages: string[] = [];
  const old = setHandler((level, m) => messages.push(`${PREFIX[level]}${m}`));
  try {
    return { result: fn(), messages };
  } finally {
    setHandler(old);
  }
}

export function log(level: LogLevel, message: string): void {
  if (RANK[level] >= threshold) handler(level, message);
}

export const debug = (m: string): void => log("debug", m);
export const info = (m: string): void => log("info", m);
export const warn = (m: string): void => log("warn", m);
export const error = (m: string): void => log("error", m);

/** Logs a message the first time a given key is seen (TensorFlow's log_first_n(..., 1)). */
export function warnOnce(key: string, message: string): void {
  if (seen.has(key)) return;
  seen.add(key);
  warn(message);
}
