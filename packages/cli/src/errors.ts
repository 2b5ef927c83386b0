/**
 * The CLI's own errors and warnings: the codes only the `holdfast` command raises or logs, in one registry each.
 * The holder's codes (and their exit codes) are @holdfast/core's CORE_ERRORS and CORE_WARNINGS; docs/errors.md
 * documents all of them.
 */
import { defineErrorClass, defineErrors, defineWarnings, logCodedWarning, type CodedError, type WarningFields } from '@holdfast/core/client';
import type { Logger } from '@holdfast/core';

/** Every code the CLI itself raises. */
export const CLI_ERRORS = defineErrors({
  ERR_HOLDFAST_CONTROL_UNREACHABLE: {
    message: 'no holdfast answers on the control socket', exitCode: 5,
    hint: 'No holdfast is running with this control socket; start one with `holdfast run` in this directory or pass --control.',
  },
  ERR_HOLDFAST_USAGE: {
    message: 'bad usage', exitCode: 2,
    hint: 'Run the command with --help to see its arguments and options.',
  },
});

/** A literal code from {@link CLI_ERRORS}. */
export type CliErrorCode = keyof typeof CLI_ERRORS;

/** An error the CLI raises itself; `exitCode` and `hint` come from {@link CLI_ERRORS}. */
export const HoldfastCliError = defineErrorClass('HoldfastCliError', CLI_ERRORS);
export type HoldfastCliError = CodedError<CliErrorCode>;

/** Every warning the CLI itself logs (`holdfast dev`); the holder's are @holdfast/core's CORE_WARNINGS. */
export const CLI_WARNINGS = defineWarnings({
  WARN_HOLDFAST_RELOAD_NOT_STARTED: {
    message: 'reload not started',
    hint: 'A file change or `rs` could not start a reload (the err field says why: usually the holder is stopping); the running generation keeps serving, save again to retry.',
  },
  WARN_HOLDFAST_WATCH_ERROR: {
    message: 'watch error',
    hint: 'The file watcher failed on a path (often too many files: raise fs.inotify.max_user_watches, or narrow --watch / add --ignore); changes there may not reload.',
  },
});

/** A literal code from {@link CLI_WARNINGS}. */
export type CliWarningCode = keyof typeof CLI_WARNINGS;

/** Logs one of {@link CLI_WARNINGS} on the holder's logger, with the code as the field `code`. */
export function logCliWarning(log: Pick<Logger, 'warn'>, code: CliWarningCode, fields?: WarningFields, message?: string): void {
  logCodedWarning(CLI_WARNINGS, log, code, fields, message);
}
