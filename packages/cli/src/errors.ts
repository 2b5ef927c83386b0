/**
 * The CLI's own errors: the codes only the `holdfast` command raises, in one registry with their exit codes.
 * The holder's codes (and their exit codes) are @holdfast/core's CORE_ERRORS; docs/errors.md documents both.
 */
import { defineErrorClass, defineErrors, type CodedError } from '@holdfast/core/client';

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
