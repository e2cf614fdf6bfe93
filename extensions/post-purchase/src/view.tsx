/**
 * The page, rendered from the flow's step: one offer (image, title, variant, price), Shopify's exact charge
 * and a button that says it, a clear "No thanks", and after an accept the confirmation with the undo.
 * The pay button is `subdued` so it never reads as Shopify's own primary action.
 */
import { useLayoutEffect, useState } from 'react';
import {
  Banner,
  BlockStack,
  Bookend,
  Button,
  CalloutBanner,
  Heading,
  Image,
  InlineStack,
  Separator,
  Text,
  TextBlock,
  Tiles,
  View,
  VisuallyHidden,
} from '@shopify/post-purchase-ui-extensions-react';
import type { Charge } from './charge';
import { copy, type Notice } from './copy';
import type { OfferFlow, Step, UndoState } from './flow';
import { formatMinorUnits } from './money';
import type { ShopifyOffer } from './offer';
import { minutesAndSeconds } from './time';

/** The flow's current step, re-rendered on every move (subscribed while mounted). */
function useStep(flow: OfferFlow): Step {
  const [step, setStep] = useState(flow.step);
  useLayoutEffect(() => {
    const update = () => setStep(flow.step);
    update();
    return flow.subscribe(update);
  }, [flow]);
  return step;
}

export function PostPurchase({ flow }: { flow: OfferFlow }) {
  const step = useStep(flow);
  const offering = step.kind === 'calculating' || step.kind === 'ready' || step.kind === 'paying';
  return (
    <BlockStack spacing="loose">
      {offering ? <CalloutBanner title={copy.calloutTitle}>{copy.calloutText}</CalloutBanner> : null}
      <NoticeBanner notice={noticeOf(step)} />
      <OfferCard offer={flow.offer} locale={flow.locale} />
      <Actions step={step} flow={flow} />
    </BlockStack>
  );
}

function noticeOf(step: Step): Notice | null {
  switch (step.kind) {
    case 'ready':
    case 'accepted':
    case 'closed':
      return step.notice;
    case 'calculating':
    case 'paying':
    case 'leaving':
      return null;
  }
}

function NoticeBanner({ notice }: { notice: Notice | null }) {
  if (!notice) return null;
  return (
    <Banner status={notice.tone} title={notice.title}>
      {notice.text ? <TextBlock>{notice.text}</TextBlock> : null}
    </Banner>
  );
}

function OfferCard({ offer, locale }: { offer: ShopifyOffer; locale: string }) {
  const money = (amount: number) => formatMinorUnits(amount, offer.currency, locale);
  const netPrice = offer.total - offer.taxAmount - offer.shippingAmount;
  return (
    <Tiles maxPerLine={2} breakAt={400} spacing="loose" alignment="center">
      {offer.imageUrl ? (
        <View>
          <Image source={offer.imageUrl} description={offer.title} bordered />
        </View>
      ) : null}
      <BlockStack spacing="tight">
        <Heading>{offer.title}</Heading>
        <TextBlock subdued>{offer.quantity > 1 ? `${offer.variantTitle} · ${copy.quantity(offer.quantity)}` : offer.variantTitle}</TextBlock>
        <InlineStack spacing="tight" alignment="baseline">
          {offer.compareAtPrice !== null ? (
            <>
              <VisuallyHidden>{copy.originalPrice}</VisuallyHidden>
              <Text role="deletion" subdued>
                {money(offer.compareAtPrice)}
              </Text>
            </>
          ) : null}
          <VisuallyHidden>{copy.price}</VisuallyHidden>
          <Text size="large" emphasized>
            {money(netPrice)}
          </Text>
        </InlineStack>
        {offer.discountAmount > 0 ? <TextBlock appearance="success">{copy.youSave(money(offer.discountAmount))}</TextBlock> : null}
      </BlockStack>
    </Tiles>
  );
}

function ChargeSummary({ charge }: { charge: Charge }) {
  return (
    <BlockStack spacing="tight">
      {charge.lines.map((line) => (
        <Bookend key={line.label} trailing>
          <Text>{line.label}</Text>
          <Text>{line.amount}</Text>
        </Bookend>
      ))}
      <Separator />
      <Bookend trailing>
        <Text emphasized>{copy.total}</Text>
        <Text emphasized>{charge.total}</Text>
      </Bookend>
    </BlockStack>
  );
}

function Actions({ step, flow }: { step: Step; flow: OfferFlow }) {
  const pay = () => void flow.pay();
  const noThanks = (
    <Button plain disabled={step.kind === 'paying'} onPress={() => void flow.decline()}>
      {copy.noThanks}
    </Button>
  );
  switch (step.kind) {
    case 'calculating':
      return (
        <BlockStack>
          <Button subdued disabled>
            {flow.offer.buttonText}
          </Button>
          {noThanks}
        </BlockStack>
      );
    case 'ready':
    case 'paying':
      return (
        <BlockStack>
          <ChargeSummary charge={step.charge} />
          <Button subdued disabled={step.kind === 'paying'} loading={step.kind === 'paying'} loadingLabel={copy.paying} onPress={pay}>
            {copy.payNow(step.charge.total)}
          </Button>
          {noThanks}
        </BlockStack>
      );
    case 'accepted':
      return (
        <BlockStack>
          {step.undo ? <UndoRow undo={step.undo} onUndo={() => void flow.undo()} /> : null}
          <Button onPress={() => void flow.finish()}>{copy.continue}</Button>
        </BlockStack>
      );
    case 'closed':
      return <Button onPress={() => void flow.finish()}>{copy.continue}</Button>;
    case 'leaving':
      return (
        <Button disabled loading>
          {copy.continue}
        </Button>
      );
  }
}

function UndoRow({ undo, onUndo }: { undo: UndoState; onUndo: () => void }) {
  return (
    <InlineStack spacing="tight" alignment="baseline">
      <Button plain disabled={undo.busy} onPress={onUndo}>
        {copy.undo}
      </Button>
      {undo.msLeft > 0 ? <Text subdued>{copy.timeLeft(minutesAndSeconds(undo.msLeft))}</Text> : null}
    </InlineStack>
  );
}
