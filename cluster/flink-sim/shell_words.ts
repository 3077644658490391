/**
 * Splits a `bash -c` command string into words the way the shell would for the simple commands
 * Flink's native mode generates (`kubernetes-jobmanager.sh kubernetes-application -Dk=v`):
 * whitespace separates words, single and double quotes group, backslash escapes. Expansions,
 * pipes and command lists are not interpreted: a `;`, `&&` or `|` word ends the first command.
 */
export function splitShellWords(line: string): string[] {
  const words: string[] = [];
  let current = "";
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else current += c;
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === "\\" && i + 1 < line.length && '"\\$`'.includes(line[i + 1])) {
        current += line[++i];
      } else current += c;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === "\\" && i + 1 < line.length) {
      current += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(current);
      current = "";
      inWord = false;
    } else {
      current += c;
      inWord = true;
    }
  }
  if (inWord) words.push(current);
  const end = words.findIndex((w) => w === ";" || w === "&&" || w === "||" || w === "|");
  return end < 0 ? words : words.slice(0, end);
}
