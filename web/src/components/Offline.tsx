import { useStore } from '../store';

/**
 * Says plainly that the network is gone: the app may have opened from the service
 * worker's stored shell, or lost its connection; what shows may be stale and nothing can be saved.
 * The live region is always there, so the change is announced.
 */
export function OfflineBanner() {
  const { online } = useStore();
  return (
    <p class="offline-banner" role="status" data-testid="offline">
      {!online && (
        <>
          <strong>You’re offline.</strong> What you see may be out of date, and changes can’t be saved until you’re back online.
        </>
      )}
    </p>
  );
}
