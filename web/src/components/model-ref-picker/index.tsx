import styles from './style.module.css'

interface Props {
  label: string
  value: string | null
  choices: readonly string[]
  onChange: (ref: string) => void
  testid: string
  disabled?: boolean
}

/** One model version, as `name@version`; a value no longer offered stays listed so the choice is visible. */
export function ModelRefPicker({ label, value, choices, onChange, testid, disabled }: Props) {
  const options = value && !choices.includes(value) ? [value, ...choices] : choices
  return (
    <label class={styles.picker}>
      <span class={styles.label}>{label}</span>
      <select value={value ?? ''} onChange={(e) => onChange(e.currentTarget.value)} data-testid={testid} disabled={disabled}>
        <option value="" disabled>
          Choose a version
        </option>
        {options.map((ref) => (
          <option key={ref} value={ref}>
            {ref}
          </option>
        ))}
      </select>
    </label>
  )
}
