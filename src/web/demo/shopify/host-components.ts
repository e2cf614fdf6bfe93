/// <reference lib="dom" />
/**
 * The fake host's components: every component `@shopify/post-purchase-ui-extensions` 0.13.5 offers, as
 * accessible DOM with Shopify-like styling (`styles.ts`, classes `pp-*`). Buttons are real `<button>`s
 * named by their text, a `Link` with only `onPress` is a button too, images carry their description as
 * `alt`, banners are live regions. No inline `style` attribute reaches HTML (the page's CSP forbids them):
 * the few computed sizes are set through React's CSSOM writes.
 */
import { Children, createContext, createElement as h, Fragment, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import type {
  BannerProps,
  BlockStackProps,
  BookendProps,
  ButtonProps,
  BuyerConsentProps,
  CalloutBannerProps,
  CheckboxProps,
  FormProps,
  HeadingProps,
  ImageProps,
  InlineStackProps,
  LayoutProps,
  LinkProps,
  RadioProps,
  SelectProps,
  SeparatorProps,
  SpinnerProps,
  TextBlockProps,
  TextContainerProps,
  TextFieldProps,
  TextProps,
  TilesProps,
  ViewProps,
} from '@shopify/post-purchase-ui-extensions';

type WithChildren<P> = P & { children?: ReactNode };

const classes = (...names: (string | false | null | undefined)[]) => names.filter(Boolean).join(' ');

/** Links and images only to http(s), this page's origin, or inline images: never `javascript:`. */
function safeUrl(url: string | undefined, images = false): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url, location.href);
    if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return parsed.href;
    return images && parsed.protocol === 'data:' && /^data:image\//.test(url) ? url : undefined;
  } catch {
    return undefined;
  }
}

/** Shopify's viewport sizes for `Layout.media`: small below 750 px, large from 1000 px. */
function useViewportSize(): 'small' | 'medium' | 'large' {
  const read = (): 'small' | 'medium' | 'large' => (window.innerWidth >= 1000 ? 'large' : window.innerWidth >= 750 ? 'medium' : 'small');
  const [size, setSize] = useState(read);
  useEffect(() => {
    const update = () => setSize(read());
    window.addEventListener('resize', update);
    return () => window.removeEventListener('resize', update);
  }, []);
  return size;
}

/** The element's own width, kept up to date (for `Tiles.breakAt`). */
function useWidth() {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    setWidth(element.clientWidth);
    const observer = new ResizeObserver(() => setWidth(element.clientWidth));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return { ref, width };
}

const gap = (spacing: string | undefined) => `pp-gap-${spacing ?? 'base'}`;

function BlockStack({ alignment, spacing, children }: WithChildren<BlockStackProps>) {
  return h('div', { className: classes('pp-block-stack', gap(spacing), alignment && `pp-align-${alignment}`) }, children);
}

function InlineStack({ alignment, spacing, children }: WithChildren<InlineStackProps>) {
  return h('div', { className: classes('pp-inline-stack', gap(spacing), alignment && `pp-align-${alignment}`) }, children);
}

function TextContainer({ alignment, spacing, children }: WithChildren<TextContainerProps>) {
  return h('div', { className: classes('pp-text-container', `pp-text-spacing-${spacing ?? 'base'}`, alignment && `pp-text-${alignment}`) }, children);
}

function View({ inlinePadding, blockPadding, children }: WithChildren<ViewProps>) {
  return h(
    'div',
    { className: classes('pp-view', inlinePadding && `pp-pad-inline-${inlinePadding}`, blockPadding && `pp-pad-block-${blockPadding}`) },
    children,
  );
}

/** The size of one `Layout` section: a fraction (≤ 1) of the width, pixels (> 1), `auto` or `fill`. */
function flexOf(size: 'auto' | 'fill' | number | undefined): string {
  if (size === undefined || size === 'fill') return '1 1 0';
  if (size === 'auto') return '0 0 auto';
  return size > 1 ? `0 1 ${size}px` : `0 0 ${size * 100}%`;
}

function Layout({ inlineAlignment, blockAlignment, maxInlineSize, sizes, media, children }: WithChildren<LayoutProps>) {
  const viewport = useViewportSize();
  const active = media?.find((entry) => entry.viewportSize === viewport) ?? media?.[media.length - 1];
  const max = active?.maxInlineSize ?? maxInlineSize;
  const sections = active?.sizes ?? sizes;
  const style = max === undefined ? undefined : { maxWidth: max > 1 ? `${max}px` : `${max * 100}%` };
  const className = classes('pp-layout', inlineAlignment && `pp-layout--${inlineAlignment}`, blockAlignment && `pp-layout--block-${blockAlignment}`);
  const cells = Children.toArray(children).map((child, index) =>
    h('div', { key: index, className: 'pp-layout__section', style: { flex: flexOf(sections?.[index]) } }, child),
  );
  return h('div', { className, style }, cells);
}

function Tiles({ maxPerLine, breakAt, alignment, spacing, children }: WithChildren<TilesProps>) {
  const { ref, width } = useWidth();
  const tiles = Children.toArray(children);
  const perLine = breakAt !== undefined && width > 0 && width < breakAt ? 1 : Math.max(1, Math.min(maxPerLine ?? tiles.length, tiles.length));
  return h(
    'div',
    {
      ref,
      className: classes('pp-tiles', gap(spacing === 'none' ? 'none' : spacing), alignment && `pp-align-${alignment}`),
      style: { gridTemplateColumns: `repeat(${perLine}, minmax(0, 1fr))` },
    },
    tiles.map((tile, index) => h('div', { key: index, className: 'pp-tile' }, tile)),
  );
}

function Bookend({ leading, trailing, alignment, spacing, children }: WithChildren<BookendProps>) {
  const columns =
    leading && trailing ? 'auto minmax(0, 1fr) auto' : leading ? 'auto minmax(0, 1fr)' : trailing ? 'minmax(0, 1fr) auto' : 'minmax(0, 1fr)';
  return h(
    'div',
    { className: classes('pp-bookend', gap(spacing), alignment && `pp-align-${alignment}`), style: { gridTemplateColumns: columns } },
    Children.toArray(children).map((child, index) => h('div', { key: index }, child)),
  );
}

const HeadingLevel = createContext(1);

function HeadingGroup({ children }: { children?: ReactNode }) {
  return h(HeadingLevel.Provider, { value: useContext(HeadingLevel) + 1 }, children);
}

function Heading({ id, level, role, children }: WithChildren<HeadingProps>) {
  const inherited = useContext(HeadingLevel);
  const rank = Math.min(3, level ?? inherited);
  if (role === 'presentation') return h('p', { id, className: `pp-heading pp-heading--${rank}` }, children);
  return h(`h${rank}`, { id, className: `pp-heading pp-heading--${rank}` }, children);
}

const textClasses = (size: string | undefined, emphasized?: boolean, subdued?: boolean, appearance?: string) =>
  classes(size && `pp-size-${size}`, emphasized && 'pp-emphasized', subdued && 'pp-subdued', appearance && `pp-appearance-${appearance}`);

function TextBlock({ size, emphasized, subdued, id, appearance, children }: WithChildren<TextBlockProps>) {
  return h('p', { id, className: classes('pp-text-block', textClasses(size, emphasized, subdued, appearance)) }, children);
}

function Text({ size, emphasized, subdued, role, id, appearance, children }: WithChildren<TextProps>) {
  const className = classes('pp-text', textClasses(size, emphasized, subdued, appearance));
  if (role === 'address') return h('address', { id, className }, children);
  if (role === 'deletion') return h('del', { id, className }, children);
  if (typeof role === 'object' && role.type === 'abbreviation') return h('abbr', { id, className, title: role.for }, children);
  if (typeof role === 'object' && role.type === 'directional-override') return h('bdo', { id, className, dir: role.direction }, children);
  if (typeof role === 'object' && role.type === 'datetime') return h('time', { id, className, dateTime: role.machineReadable }, children);
  return h('span', { id, className }, children);
}

function Spinner({ size, color }: SpinnerProps) {
  return h('span', {
    className: classes('pp-spinner', size === 'large' && 'pp-spinner--large', color === 'inherit' && 'pp-spinner--inherit'),
    role: 'progressbar',
    'aria-label': 'Loading',
  });
}

function Button(props: WithChildren<ButtonProps>) {
  const { submit, to, subdued, plain, loading, loadingLabel, disabled, children } = props;
  const press = () => props.onPress?.();
  const className = classes(
    'pp-button',
    plain ? 'pp-button--plain' : subdued ? 'pp-button--subdued' : 'pp-button--primary',
    loading && 'pp-button--loading',
  );
  const content = loading
    ? h(Fragment, null, h('span', { className: 'pp-button__spinner', 'aria-hidden': true }), h('span', null, loadingLabel ?? children))
    : children;
  const href = safeUrl(to);
  if (href && !disabled && !loading) return h('a', { className, href, onClick: press }, content);
  return h(
    'button',
    {
      type: submit ? 'submit' : 'button',
      className,
      disabled: Boolean(disabled || loading),
      'aria-busy': loading ? true : undefined,
      onClick: press,
    },
    content,
  );
}

function ButtonGroup({ children }: { children?: ReactNode }) {
  return h('div', { className: 'pp-button-group' }, children);
}

function Link(props: WithChildren<LinkProps>) {
  const { to, external, id, children } = props;
  const press = () => props.onPress?.();
  const href = safeUrl(to);
  if (!href) return h('button', { id, type: 'button', className: 'pp-link', onClick: press }, children);
  const opensElsewhere = external ? { target: '_blank', rel: 'noopener noreferrer' } : {};
  return h('a', { id, className: 'pp-link', href, onClick: press, ...opensElsewhere }, children);
}

function Image({ source, description, loading, bordered, aspectRatio, fit, decorative }: ImageProps) {
  const style = { ...(aspectRatio ? { aspectRatio: String(aspectRatio) } : {}), ...(fit ? { objectFit: fit } : {}) };
  return h('img', {
    className: classes('pp-image', bordered && 'pp-image--bordered'),
    src: safeUrl(source, true),
    alt: decorative ? '' : (description ?? ''),
    loading: loading ?? 'eager',
    style,
  });
}

function Separator({ width, direction }: SeparatorProps) {
  if (direction === 'vertical')
    return h('div', {
      className: `pp-separator pp-separator--vertical pp-separator--${width ?? 'thin'}`,
      role: 'separator',
      'aria-orientation': 'vertical',
    });
  return h('hr', { className: `pp-separator pp-separator--${width ?? 'thin'}` });
}

function Banner({ title, status, iconHidden, children }: WithChildren<BannerProps>) {
  const tone = status ?? 'info';
  return h(
    'div',
    { className: classes('pp-banner', `pp-banner--${tone}`, iconHidden && 'pp-banner--no-icon'), role: tone === 'critical' ? 'alert' : 'status' },
    h('div', { className: 'pp-banner__content' }, title ? h('p', { className: 'pp-banner__title' }, title) : null, children),
  );
}

function CalloutBanner({ title, border, background, alignment, spacing, children }: WithChildren<CalloutBannerProps>) {
  const className = classes(
    'pp-callout',
    `pp-callout--border-${border ?? 'block'}`,
    `pp-callout--${background ?? 'secondary'}`,
    `pp-text-${alignment ?? 'center'}`,
    `pp-callout--spacing-${spacing ?? 'base'}`,
  );
  return h(
    'div',
    { className },
    title ? h('p', { className: 'pp-callout__title' }, title) : null,
    children ? h('div', { className: 'pp-callout__text' }, children) : null,
  );
}

function VisuallyHidden({ children }: { children?: ReactNode }) {
  return h('span', { className: 'visually-hidden' }, children);
}

function HiddenForAccessibility({ children }: { children?: ReactNode }) {
  return h('div', { 'aria-hidden': true }, children);
}

export const LAYOUT_COMPONENTS = {
  BlockStack,
  InlineStack,
  TextContainer,
  View,
  Layout,
  Tiles,
  Bookend,
  HeadingGroup,
  Heading,
  TextBlock,
  Text,
  Spinner,
  Button,
  ButtonGroup,
  Link,
  Image,
  Separator,
  Banner,
  CalloutBanner,
  VisuallyHidden,
  HiddenForAccessibility,
};

let fieldIds = 0;
const useFieldId = (id: string | undefined) => useState(() => id ?? `pp-field-${++fieldIds}`)[0];

function Form(props: WithChildren<FormProps>) {
  const { disabled, children } = props;
  const submit = (event: { preventDefault: () => void }) => {
    event.preventDefault();
    if (!disabled) props.onSubmit();
  };
  return h('form', { className: 'pp-form', onSubmit: submit, noValidate: true }, children);
}

function FormLayout({ children }: { children?: ReactNode }) {
  return h('div', { className: 'pp-form-layout' }, children);
}

function FormLayoutGroup({ children }: { children?: ReactNode }) {
  return h('div', { className: 'pp-form-layout-group' }, children);
}

function fieldError(id: string, error: string | undefined) {
  return error ? h('p', { id: `${id}-error`, className: 'pp-field__error' }, error) : null;
}

function TextField(props: TextFieldProps) {
  const { id, name, label, value, type, required, error, multiline } = props;
  const fieldId = useFieldId(id);
  const inputType = type === 'telephone' ? 'tel' : (type ?? 'text');
  const common = {
    id: fieldId,
    name,
    required,
    className: 'pp-field__input',
    defaultValue: value,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': error ? `${fieldId}-error` : undefined,
    onFocus: () => props.onFocus?.(),
    onBlur: (event: { currentTarget: { value: string } }) => {
      props.onChange?.(event.currentTarget.value);
      props.onBlur?.();
    },
    onInput: (event: { currentTarget: { value: string } }) => props.onInput?.(event.currentTarget.value),
  };
  const control = multiline ? h('textarea', common) : h('input', { ...common, type: inputType });
  return h(
    'div',
    { className: 'pp-field' },
    h('label', { htmlFor: fieldId, className: 'pp-field__label' }, label),
    control,
    fieldError(fieldId, error),
  );
}

function Checkbox(props: WithChildren<CheckboxProps>) {
  const { id, name, value, checked, disabled, error, accessibilityLabel, children } = props;
  const fieldId = useFieldId(id);
  return h(
    'div',
    { className: 'pp-choice' },
    h('input', {
      id: fieldId,
      name,
      type: 'checkbox',
      checked: checked ?? value ?? false,
      disabled,
      'aria-label': accessibilityLabel,
      'aria-describedby': error ? `${fieldId}-error` : undefined,
      onChange: (event: { currentTarget: { checked: boolean } }) => props.onChange?.(event.currentTarget.checked),
    }),
    h('label', { htmlFor: fieldId }, children),
    fieldError(fieldId, error),
  );
}

function Radio(props: WithChildren<RadioProps>) {
  const { id, name, value, checked, disabled, accessibilityLabel, children } = props;
  const fieldId = useFieldId(id);
  return h(
    'div',
    { className: 'pp-choice' },
    h('input', {
      id: fieldId,
      name,
      type: 'radio',
      checked: checked ?? value ?? false,
      disabled,
      'aria-label': accessibilityLabel,
      onChange: (event: { currentTarget: { checked: boolean } }) => props.onChange?.(event.currentTarget.checked),
    }),
    h('label', { htmlFor: fieldId }, children),
  );
}

function Select(props: SelectProps) {
  const { id, label, name, value, options, required, disabled, error, placeholder } = props;
  const fieldId = useFieldId(id);
  const choices = [
    ...(placeholder ? [h('option', { key: '', value: '', disabled: true }, placeholder)] : []),
    ...options.map((option) => h('option', { key: option.value, value: option.value, disabled: option.disabled }, option.label)),
  ];
  return h(
    'div',
    { className: 'pp-field' },
    h('label', { htmlFor: fieldId, className: 'pp-field__label' }, label),
    h(
      'select',
      {
        id: fieldId,
        name,
        required,
        disabled,
        className: 'pp-field__input',
        value: value ?? '',
        'aria-describedby': error ? `${fieldId}-error` : undefined,
        onChange: (event: { currentTarget: { value: string } }) => props.onChange?.(event.currentTarget.value),
      },
      choices,
    ),
    fieldError(fieldId, error),
  );
}

function BuyerConsent(props: BuyerConsentProps) {
  return h(
    Checkbox,
    { checked: props.checked, error: props.error, onChange: (value: boolean) => props.onChange(value) },
    'I understand that I’m agreeing to a subscription that will renew automatically.',
  );
}

export const FORM_COMPONENTS = { Form, FormLayout, FormLayoutGroup, TextField, Checkbox, Radio, Select, BuyerConsent };

/** Every component the extension may create, by its remote name. */
export const HOST_COMPONENTS = { ...LAYOUT_COMPONENTS, ...FORM_COMPONENTS };
