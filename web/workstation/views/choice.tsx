/**
 * A select over a fixed list of values, each shown as `label(value)` (the value itself by
 * default); `any` adds a first, empty choice with that text.
 */
export function Choice<V extends string>(props: {
  name: string;
  value: V | "";
  values: readonly V[];
  onChange: (value: V | "") => void;
  label?: (value: V) => string;
  any?: string;
  ariaLabel?: string;
}) {
  const { name, value, values, onChange, label = (v) => v, any, ariaLabel } = props;
  return (
    <select name={name} value={value} aria-label={ariaLabel} onChange={(e) => onChange((e.target as HTMLSelectElement).value as V | "")}>
      {any !== undefined && <option value="">{any}</option>}
      {values.map((v) => (
        <option key={v} value={v}>
          {label(v)}
        </option>
      ))}
    </select>
  );
}
