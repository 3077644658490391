/**
 * Masks secret values inside free text before it is stored in `status.error` or an event; the
 * implementation lives with the log redaction (lib/log/redact_text.ts), which applies it to log
 * messages too.
 */
export { redactSecretText } from "../../log/redact_text.ts";
