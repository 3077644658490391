/**
 * The exception chain of a Java stack trace as Flink prints it (`failure-cause.stack-trace`,
 * exception history entries): the first throwable, then each `Caused by:`, with their class and
 * message. Messages may span lines; frames (`\tat …`, `\t... N more`) and suppressed exceptions
 * (indented, with their own causes) are left out.
 */
export interface JavaThrowable {
  className: string;
  /** Empty when the throwable had no message. */
  message: string;
}

const HEADER = /^([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)(?::\s?([\s\S]*))?$/;
const FRAME = /^\s+(at\s|\.\.\.\s\d+\smore)/;
const NESTED = /^\s+(Caused by:|Suppressed:)/;

export function parseJavaStackTrace(text: string): JavaThrowable[] {
  const chain: JavaThrowable[] = [];
  // Lines of the throwable being read; undefined between throwables (frames, suppressed blocks).
  let header: string[] | undefined = [];
  const flush = () => {
    if (header !== undefined && header.length > 0) {
      const parsed = HEADER.exec(header.join("\n").trim());
      if (parsed) chain.push({ className: parsed[1], message: (parsed[2] ?? "").trim() });
    }
    header = undefined;
  };
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\r$/, "");
    if (line.startsWith("Caused by:")) {
      flush();
      header = [line.slice("Caused by:".length).trim()];
    } else if (FRAME.test(line) || NESTED.test(line)) {
      flush();
    } else if (header !== undefined) {
      header.push(line);
    }
  }
  flush();
  return chain;
}
