'use client';
import { useId, useState, type ReactNode } from 'react';
import { usePreferences } from '../hooks/use-preferences.js';
import { HeraldStyles } from './style-tag.js';
import { useUi, type UiProps } from './use-ui.js';

/** One notification type the user may mute. */
export interface NotificationTypeOption {
  type: string;
  label: string;
  description?: string;
}

export interface NotificationPreferencesProps extends UiProps {
  /** The types to offer, in order. */
  types: readonly NotificationTypeOption[];
}

/**
 * One switch per notification type: on means "notify me". A muted type stays in the inbox but is
 * not counted, toasted or sounded, on all the user's devices.
 * @example <NotificationPreferences types={[{ type: 'weekly_digest', label: 'Weekly digest' }]} />
 */
export function NotificationPreferences(props: NotificationPreferencesProps): ReactNode {
  const ui = useUi('NotificationPreferences', props);
  const prefs = usePreferences();
  const [saving, setSaving] = useState<string | undefined>();
  const [failed, setFailed] = useState<string | undefined>();
  const id = useId();

  const toggle = (type: string) => {
    setSaving(type);
    setFailed(undefined);
    prefs.setMuted(type, !prefs.isMuted(type)).then(
      () => setSaving(undefined),
      () => {
        setSaving(undefined);
        setFailed(type);
      },
    );
  };

  return (
    <>
      <HeraldStyles nonce={ui.nonce} />
      <fieldset {...ui.root('hrd-prefs')} aria-busy={!prefs.loaded || saving !== undefined}>
        <legend className="hrd-prefs-title">{ui.strings.preferencesTitle}</legend>
        {props.types.map((t, i) => (
          <div key={t.type}>
            <label className="hrd-pref">
              <span className="hrd-pref-text">
                <span id={`${id}-${i}`}>{ui.strings.preferenceLabel(t.label)}</span>
                {t.description && (
                  <span className="hrd-pref-desc" id={`${id}-${i}-d`}>
                    {t.description}
                  </span>
                )}
              </span>
              <button
                type="button"
                role="switch"
                className="hrd-switch"
                aria-checked={!prefs.isMuted(t.type)}
                aria-labelledby={`${id}-${i}`}
                aria-describedby={t.description ? `${id}-${i}-d` : undefined}
                disabled={!prefs.loaded || saving === t.type}
                onClick={() => toggle(t.type)}
              />
            </label>
            {failed === t.type && (
              <p className="hrd-error" role="alert">
                {ui.strings.preferencesSaveError}
              </p>
            )}
          </div>
        ))}
      </fieldset>
    </>
  );
}
