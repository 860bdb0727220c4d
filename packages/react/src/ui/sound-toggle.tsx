'use client';
import type { ReactNode } from 'react';
import { useSound } from '../hooks/use-sound.js';
import { Icon } from './icons.js';
import { HeraldStyles } from './style-tag.js';
import { useUi, type UiProps } from './use-ui.js';

/**
 * The user's mute switch for the notification sound (kept in localStorage). Before any click on
 * the page it says sound will start after one, since browsers block it until then.
 * @example <SoundToggle />
 */
export function SoundToggle(props: UiProps): ReactNode {
  const ui = useUi('SoundToggle', props);
  const { muted, unlocked, toggle } = useSound();
  const text = muted ? ui.strings.soundOff : unlocked ? ui.strings.soundOn : ui.strings.soundLocked;
  return (
    <>
      <HeraldStyles nonce={ui.nonce} />
      <button type="button" {...ui.root('hrd-sound')} aria-pressed={!muted} aria-label={ui.strings.soundLabel} title={text} onClick={toggle}>
        <Icon name={muted ? 'soundOff' : 'soundOn'} />
        <span aria-hidden="true">{text}</span>
      </button>
    </>
  );
}
