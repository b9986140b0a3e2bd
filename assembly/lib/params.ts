// Request parameters as [name, value] pairs of UTF-16 text, kept in one reused buffer.
import { Units } from "./units";

export class ParamList {
  text: Units = new Units(1024);
  /** Per pair: name start, name end, value start, value end (indexes into `text`). */
  bounds: i32[] = [];
  count: i32 = 0;

  clear(): void {
    this.text.clear();
    this.bounds.length = 0;
    this.count = 0;
  }

  /** Records a pair whose name and value were appended to `text` at [nameFrom, nameTo) and [nameTo, end). */
  add(nameFrom: i32, nameTo: i32): void {
    this.bounds.push(nameFrom);
    this.bounds.push(nameTo);
    this.bounds.push(nameTo);
    this.bounds.push(this.text.length);
    this.count++;
  }

  @inline nameFrom(i: i32): i32 {
    return unchecked(this.bounds[i << 2]);
  }
  @inline nameTo(i: i32): i32 {
    return unchecked(this.bounds[(i << 2) + 1]);
  }
  @inline valueFrom(i: i32): i32 {
    return unchecked(this.bounds[(i << 2) + 2]);
  }
  @inline valueTo(i: i32): i32 {
    return unchecked(this.bounds[(i << 2) + 3]);
  }
}
