/** Runs a program to its end and keeps what it printed (stdout then stderr) for error messages. */
export interface CommandOutput {
  success: boolean;
  code: number;
  output: string;
}

/** A program that cannot even start is reported like a failed run (code -1), not thrown. */
export async function commandOutput(
  program: string,
  args: string[],
  opts: { cwd?: string } = {},
): Promise<CommandOutput> {
  try {
    const out = await new Deno.Command(program, {
      args,
      cwd: opts.cwd,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decoder = new TextDecoder();
    return {
      success: out.success,
      code: out.code,
      output: decoder.decode(out.stdout) + decoder.decode(out.stderr),
    };
  } catch (err) {
    return { success: false, code: -1, output: `${program}: ${err}` };
  }
}
