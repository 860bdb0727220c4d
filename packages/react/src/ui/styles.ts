/**
 * The components' stylesheet. Every selector starts with a `.hrd` class, so nothing here can
 * reach the host page; the theme variables are declared with `:where()` (no specificity), so any
 * rule of the host that sets `--herald-*` on `.hrd` wins. Dark values apply with
 * `data-herald-theme="dark"`, or with `"system"` when the OS prefers dark.
 */
const light =
  '--herald-bg:#fff;--herald-surface:#f8fafc;--herald-fg:#0f172a;--herald-muted:#5b6b80;--herald-border:#e2e8f0;' +
  '--herald-hover:#f1f5f9;--herald-unread-bg:#f5f5ff;--herald-accent:#4f46e5;--herald-accent-fg:#fff;' +
  '--herald-badge-bg:#dc2626;--herald-badge-fg:#fff;--herald-focus:#6366f1;--herald-live:#16a34a;' +
  '--herald-polling:#d97706;--herald-offline:#dc2626;--herald-connecting:#94a3b8;--herald-low:#94a3b8;' +
  '--herald-normal:#6366f1;--herald-high:#f59e0b;--herald-urgent:#dc2626;' +
  '--herald-shadow:0 12px 40px -12px rgba(15,23,42,.35),0 4px 12px -6px rgba(15,23,42,.15);';
const dark =
  '--herald-bg:#0f172a;--herald-surface:#131d33;--herald-fg:#e2e8f0;--herald-muted:#9aa8bc;--herald-border:#233047;' +
  '--herald-hover:#1a2540;--herald-unread-bg:#161f3d;--herald-accent:#8b93ff;--herald-accent-fg:#0b1020;' +
  '--herald-badge-bg:#ef4444;--herald-badge-fg:#fff;--herald-focus:#a5b4fc;--herald-live:#4ade80;' +
  '--herald-polling:#fbbf24;--herald-offline:#f87171;--herald-connecting:#64748b;--herald-low:#64748b;' +
  '--herald-normal:#8b93ff;--herald-high:#fbbf24;--herald-urgent:#f87171;' +
  '--herald-shadow:0 12px 40px -12px rgba(0,0,0,.7),0 4px 12px -6px rgba(0,0,0,.5);';

export const heraldCss = `
:where(.hrd){${light}--herald-radius:12px;--herald-font:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;--herald-z:1000;color-scheme:light}
:where(.hrd[data-herald-theme=dark]){${dark}color-scheme:dark}
@media (prefers-color-scheme:dark){:where(.hrd[data-herald-theme=system]){${dark}color-scheme:dark}}
.hrd{font-family:var(--herald-font);font-size:14px;line-height:1.4;color:var(--herald-fg);box-sizing:border-box;-webkit-font-smoothing:antialiased}
.hrd *,.hrd *::before,.hrd *::after{box-sizing:border-box}
.hrd :where(button),.hrd:where(button){font:inherit;color:inherit;background:none;border:0;margin:0;padding:0;cursor:pointer;text-align:inherit;letter-spacing:inherit}
.hrd :where(button:disabled,button[aria-disabled=true]){cursor:default;opacity:.5}
.hrd :where(ul,ol){list-style:none;margin:0;padding:0}
.hrd :where(h2,h3,p,fieldset,legend),.hrd:where(fieldset){margin:0;padding:0;border:0;min-inline-size:0}
.hrd :where(svg){display:block;flex:none}
.hrd:focus-visible,.hrd :focus-visible{outline:2px solid var(--herald-focus);outline-offset:2px}
.hrd-sr{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}
.hrd-bell{position:relative;display:inline-flex;align-items:center;justify-content:center;width:40px;height:40px;border-radius:999px;color:var(--herald-fg);transition:background .15s}
.hrd-bell:hover,.hrd-bell[aria-expanded=true]{background:var(--herald-hover)}
.hrd-bell svg{width:22px;height:22px}
.hrd-count{position:absolute;top:3px;right:1px;min-width:18px;height:18px;padding:0 5px;border-radius:999px;background:var(--herald-badge-bg);color:var(--herald-badge-fg);font-size:11px;font-weight:700;line-height:18px;text-align:center;box-shadow:0 0 0 2px var(--herald-bg);font-variant-numeric:tabular-nums}
.hrd-center{position:relative;display:inline-block}
.hrd-popover,.hrd-panel{display:flex;flex-direction:column;background:var(--herald-bg);color:var(--herald-fg);border:1px solid var(--herald-border);border-radius:var(--herald-radius);overflow:hidden;text-align:left}
.hrd-popover{position:absolute;top:calc(100% + 8px);right:0;z-index:var(--herald-z);width:min(400px,calc(100vw - 24px));height:min(540px,calc(100vh - 96px));box-shadow:var(--herald-shadow);animation:hrd-pop .14s ease-out;transform-origin:top right}
.hrd-popover[data-placement=bottom-start]{right:auto;left:0;transform-origin:top left}
.hrd-panel{width:100%;height:100%;min-height:320px}
.hrd-head{display:flex;align-items:center;justify-content:space-between;gap:8px;padding:14px 14px 6px 16px}
.hrd-title{font-size:16px;font-weight:650;letter-spacing:-.01em}
.hrd-head-actions{display:flex;align-items:center;gap:2px}
.hrd-link{font-size:13px;font-weight:550;color:var(--herald-accent);padding:5px 8px;border-radius:6px}
.hrd-link:hover:not(:disabled,[aria-disabled=true]){background:var(--herald-hover)}
.hrd-tabs{display:flex;gap:2px;padding:0 10px;border-bottom:1px solid var(--herald-border)}
.hrd-tab{display:inline-flex;align-items:center;gap:6px;padding:9px 8px;font-size:13px;font-weight:550;color:var(--herald-muted);border-bottom:2px solid transparent;margin-bottom:-1px}
.hrd-tab:hover{color:var(--herald-fg)}
.hrd-tab[aria-selected=true]{color:var(--herald-fg);border-bottom-color:var(--herald-accent)}
.hrd-tab-count{font-size:11px;font-weight:650;padding:0 6px;min-width:18px;line-height:17px;text-align:center;border-radius:999px;background:var(--herald-hover);color:var(--herald-fg)}
.hrd-notice{display:flex;gap:8px;align-items:center;padding:8px 16px;font-size:12.5px;background:var(--herald-surface);color:var(--herald-fg);border-bottom:1px solid var(--herald-border)}
.hrd-notice::before{content:"";width:8px;height:8px;border-radius:50%;flex:none;background:var(--hrd-c,var(--herald-muted))}
.hrd-notice[data-kind=offline]{--hrd-c:var(--herald-offline)}
.hrd-notice[data-kind=pending]{--hrd-c:var(--herald-polling)}
.hrd-list{flex:1;overflow-y:auto;overscroll-behavior:contain}
.hrd-item{position:relative;display:flex;gap:10px;align-items:flex-start;padding:12px 10px 12px 16px;border-bottom:1px solid var(--herald-border);transition:background .12s}
.hrd-item::before{content:"";position:absolute;left:0;top:0;bottom:0;width:3px;background:var(--hrd-p,transparent)}
.hrd-item[data-unread=true]{background:var(--herald-unread-bg)}
.hrd-item:hover{background:var(--herald-hover)}
.hrd[data-priority=high],.hrd [data-priority=high]{--hrd-p:var(--herald-high)}
.hrd[data-priority=urgent],.hrd [data-priority=urgent]{--hrd-p:var(--herald-urgent)}
.hrd-unread-dot{width:8px;height:8px;margin-top:6px;border-radius:50%;flex:none;background:var(--herald-accent)}
.hrd-item[data-unread=false] .hrd-unread-dot{visibility:hidden}
.hrd-item-main{flex:1;min-width:0;display:flex;flex-direction:column;gap:3px;border-radius:6px}
.hrd-item-title{font-size:14px;font-weight:600;line-height:1.35;overflow-wrap:anywhere}
.hrd-item[data-unread=false] .hrd-item-title{font-weight:500}
.hrd-item-body{font-size:13px;color:var(--herald-muted);line-height:1.45;overflow-wrap:anywhere;display:-webkit-box;-webkit-line-clamp:3;-webkit-box-orient:vertical;overflow:hidden}
.hrd-meta{display:flex;flex-wrap:wrap;gap:8px;align-items:center;font-size:12px;color:var(--herald-muted)}
.hrd-pill{font-size:11px;font-weight:650;line-height:16px;padding:0 7px;border-radius:999px;color:var(--herald-fg);border:1px solid var(--hrd-p,var(--herald-border))}
.hrd-actions{display:flex;gap:2px;opacity:0;transition:opacity .12s}
.hrd-item:hover .hrd-actions,.hrd-item:focus-within .hrd-actions{opacity:1}
@media (hover:none){.hrd-actions{opacity:1}}
.hrd-icon-btn{width:30px;height:30px;display:inline-flex;align-items:center;justify-content:center;border-radius:7px;color:var(--herald-muted)}
.hrd-icon-btn:hover{color:var(--herald-fg);background:var(--herald-bg)}
.hrd-icon-btn svg{width:16px;height:16px}
.hrd-state{display:flex;flex-direction:column;align-items:center;gap:10px;padding:48px 24px;text-align:center;color:var(--herald-muted);font-size:13.5px}
.hrd-state svg{width:28px;height:28px;opacity:.6}
.hrd-more{display:flex;justify-content:center;padding:12px}
.hrd-spinner{width:18px;height:18px;border:2px solid var(--herald-border);border-top-color:var(--herald-accent);border-radius:50%;animation:hrd-spin .8s linear infinite}
.hrd-toast{position:relative;display:flex;gap:10px;align-items:flex-start;width:var(--width,356px);padding:14px 10px 14px 16px;background:var(--herald-bg);color:var(--herald-fg);border:1px solid var(--herald-border);border-radius:var(--herald-radius);box-shadow:var(--herald-shadow);overflow:hidden;text-align:left}
.hrd-toast::before{content:"";position:absolute;left:0;top:0;bottom:0;width:4px;background:var(--hrd-p,var(--herald-normal))}
.hrd-toast[data-priority=low]{--hrd-p:var(--herald-low)}
.hrd-toast-main{flex:1;min-width:0;display:flex;flex-direction:column;gap:3px;border-radius:6px}
.hrd-conn{display:inline-flex;align-items:center;gap:7px;padding:3px 10px 3px 8px;border-radius:999px;font-size:12.5px;font-weight:600;line-height:18px;background:var(--herald-surface);border:1px solid var(--herald-border);color:var(--herald-fg);white-space:nowrap}
.hrd-conn-dot{width:8px;height:8px;border-radius:50%;background:var(--hrd-c)}
.hrd-conn[data-state=live]{--hrd-c:var(--herald-live)}
.hrd-conn[data-state=live] .hrd-conn-dot{animation:hrd-pulse 2s ease-out infinite}
.hrd-conn[data-state=polling]{--hrd-c:var(--herald-polling)}
.hrd-conn[data-state=offline]{--hrd-c:var(--herald-offline)}
.hrd-conn[data-state=connecting]{--hrd-c:var(--herald-connecting)}
.hrd-conn[data-state=unauthorized]{--hrd-c:var(--herald-muted)}
.hrd-prefs{display:flex;flex-direction:column;gap:2px;padding:4px 0}
.hrd-prefs-title{font-size:13px;font-weight:650;padding:0 0 6px}
.hrd-pref{display:flex;align-items:center;justify-content:space-between;gap:16px;padding:8px 0;cursor:pointer}
.hrd-pref-text{display:flex;flex-direction:column;gap:1px}
.hrd-pref-desc{font-size:12px;color:var(--herald-muted)}
.hrd-switch{position:relative;width:36px;height:20px;flex:none;border-radius:999px;background:var(--herald-border);transition:background .15s}
.hrd-switch::after{content:"";position:absolute;top:2px;left:2px;width:16px;height:16px;border-radius:50%;background:#fff;box-shadow:0 1px 2px rgba(0,0,0,.3);transition:transform .15s}
.hrd-switch[aria-checked=true]{background:var(--herald-accent)}
.hrd-switch[aria-checked=true]::after{transform:translateX(16px)}
.hrd-error{font-size:12px;color:var(--herald-offline)}
.hrd-sound{display:inline-flex;align-items:center;gap:6px;padding:5px 10px;border-radius:999px;font-size:12.5px;font-weight:600;border:1px solid var(--herald-border);background:var(--herald-surface);color:var(--herald-fg)}
.hrd-sound svg{width:15px;height:15px}
@keyframes hrd-pop{from{opacity:0;transform:scale(.97) translateY(-4px)}to{opacity:1;transform:none}}
@keyframes hrd-spin{to{transform:rotate(360deg)}}
@keyframes hrd-pulse{0%{box-shadow:0 0 0 0 color-mix(in srgb,var(--hrd-c) 60%,transparent)}70%,100%{box-shadow:0 0 0 6px transparent}}
@media (prefers-reduced-motion:reduce){.hrd,.hrd *{animation:none!important;transition:none!important}}
`;
