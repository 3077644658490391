/**
 * A SHA-256 over files' names and contents, in sorted order: changes when any file is added,
 * removed or edited. Used to restart a stale node agent and to rebuild a stale Flink distribution.
 */
export async function digestFiles(paths: Iterable<string>, extra = ""): Promise<string> {
  const encoder = new TextEncoder();
  const chunks: Uint8Array[] = [encoder.encode(`${extra}\0`)];
  for (const file of [...new Set(paths)].sort()) {
    let content: Uint8Array;
    try {
      content = await Deno.readFile(file);
    } catch {
      content = new Uint8Array(); // deleted since listed: still changes the digest via its name
    }
    chunks.push(encoder.encode(`${file}\0${content.length}\0`), content);
  }
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Every regular file below `dir`, recursively (none when it does not exist). */
export async function filesUnder(dir: string, into: Set<string> = new Set()): Promise<Set<string>> {
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch {
    return into;
  }
  for (const entry of entries) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) await filesUnder(path, into);
    else if (entry.isFile) into.add(path);
  }
  return into;
}
