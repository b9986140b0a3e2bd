// Path patterns as in Istio: exact, `prefix*`, `*suffix`, or `*` (any). Case-sensitive,
// matched against the normalized path.
import { ByteBuf } from "../sdk/bytes";

export enum PatternKind {
  Exact = 0,
  Prefix = 1,
  Suffix = 2,
  Any = 3,
}

export class PathPattern {
  constructor(public readonly kind: PatternKind, public readonly bytes: ByteBuf) {}

  matches(path: ByteBuf): bool {
    switch (this.kind) {
      case PatternKind.Any: return true;
      case PatternKind.Prefix: return path.startsWithRaw(this.bytes.ptr, this.bytes.length);
      case PatternKind.Suffix: return path.endsWithRaw(this.bytes.ptr, this.bytes.length);
      default: return path.equals(this.bytes);
    }
  }
}

/** Compiles a pattern; null when it has a `*` anywhere else (Istio rejects those too). */
export function compilePathPattern(text: string): PathPattern | null {
  if (text == "*") return new PathPattern(PatternKind.Any, new ByteBuf(1));
  const star = text.indexOf("*");
  if (star < 0) return new PathPattern(PatternKind.Exact, ByteBuf.fromString(text));
  if (text.indexOf("*", star + 1) >= 0) return null;
  if (star == text.length - 1) return new PathPattern(PatternKind.Prefix, ByteBuf.fromString(text.substring(0, star)));
  if (star == 0) return new PathPattern(PatternKind.Suffix, ByteBuf.fromString(text.substring(1)));
  return null;
}

/** True when some pattern of `list` matches `path`. */
export function anyPatternMatches(list: PathPattern[], path: ByteBuf): bool {
  for (let i = 0; i < list.length; i++) {
    if (unchecked(list[i]).matches(path)) return true;
  }
  return false;
}
