// Just enough RESP (2 and 3) for the fault proxy: where one value ends in a buffer,
// and the command name and arguments of a client request.

const CRLF = 0x0d;

function lineEnd(buf: Buffer, from: number): number {
  for (let i = from; i + 1 < buf.length; i++) if (buf[i] === CRLF && buf[i + 1] === 0x0a) return i;
  return -1;
}

/** The offset just past the RESP value starting at `from`, or -1 when the buffer does not hold all of it yet. */
export function valueEnd(buf: Buffer, from: number): number {
  if (from >= buf.length) return -1;
  const eol = lineEnd(buf, from + 1);
  if (eol < 0) return -1;
  const type = String.fromCharCode(buf[from]!);
  const header = buf.toString("latin1", from + 1, eol);
  const next = eol + 2;
  switch (type) {
    case "+": case "-": case ":": case "_": case ",": case "#": case "(":
      return next;
    case "$": case "!": case "=": {
      const length = Number(header);
      if (length < 0) return next;
      return buf.length >= next + length + 2 ? next + length + 2 : -1;
    }
    case "*": case "~": case ">": case "%": case "|": {
      const count = Number(header);
      if (count < 0) return next;
      const items = type === "%" || type === "|" ? count * 2 : count;
      let at = next;
      for (let i = 0; i < items; i++) {
        at = valueEnd(buf, at);
        if (at < 0) return -1;
      }
      // An attribute (`|`) precedes the value it annotates.
      return type === "|" ? valueEnd(buf, at) : at;
    }
    default: {
      // An inline command (`PING\r\n`), as redis-cli or telnet send them.
      return next;
    }
  }
}

/** A client request (an array of bulk strings, or an inline command) as strings. */
export function requestArgs(buf: Buffer, from: number, to: number): string[] {
  if (buf[from] !== 0x2a) return buf.toString("utf8", from, to).trim().split(/\s+/);
  const args: string[] = [];
  let at = lineEnd(buf, from) + 2;
  while (at < to) {
    const eol = lineEnd(buf, at);
    const length = Number(buf.toString("latin1", at + 1, eol));
    args.push(buf.toString("utf8", eol + 2, eol + 2 + length));
    at = eol + 2 + length + 2;
  }
  return args;
}
