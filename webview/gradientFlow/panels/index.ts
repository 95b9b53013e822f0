// The Gradient Flow view's panels, top to bottom: adding a panel is one module here and its entry in this list.

import type { PanelFactory } from '../panel';
import { gradFlowPanel } from './gradFlow';
import { headerPanel } from './header';
import { lossPanel } from './loss';
import { normPanel } from './norm';
import { ranksPanel } from './ranks';
import { ratioPanel } from './ratio';

/** The names the panels' charts are read under (`window.nnetGradientFlow.read()`): a panel with a chart adds its own. */
export type ChartName = 'gradFlow' | 'ratio' | 'loss' | 'norm' | 'ranks';

/** Built in this order into the page's container, and drawn in this order every frame. */
export const PANELS: readonly PanelFactory[] = [
  headerPanel,
  gradFlowPanel,
  ratioPanel,
  lossPanel,
  normPanel,
  ranksPanel,
];
