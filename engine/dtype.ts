export type DType = 'f32' | 'i32' | 'u32' | 'f16';

export type TypedArrayFor<D extends DType> = D extends 'f32'
  ? Float32Array
  : D extends 'i32'
    ? Int32Array
    : D extends 'u32'
      ? Uint32Array
      : Uint16Array;

export type AnyTypedArray = Float32Array | Int32Array | Uint32Array | Uint16Array;

export const BYTES: Record<DType, number> = { f32: 4, i32: 4, u32: 4, f16: 2 };

export function typedArrayFor(dtype: DType, buf: ArrayBuffer, byteOffset = 0, length?: number): AnyTypedArray {
  switch (dtype) {
    case 'f32':
      return new Float32Array(buf, byteOffset, length);
    case 'i32':
      return new Int32Array(buf, byteOffset, length);
    case 'u32':
      return new Uint32Array(buf, byteOffset, length);
    case 'f16':
      return new Uint16Array(buf, byteOffset, length);
  }
}

export function dtypeOfArray(a: ArrayLike<number>): DType {
  if (a instanceof Int32Array) return 'i32';
  if (a instanceof Uint32Array) return 'u32';
  if (a instanceof Uint16Array) return 'f16';
  return 'f32';
}

export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

export function checkShape(shape: readonly number[], what = 'shape'): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`Invalid ${what} ${fmtShape(shape)}: dimensions must be non-negative integers.`);
  }
}

export function contiguousStrides(shape: readonly number[]): number[] {
  const s = new Array(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}
