// VS Code's theme colours for the headless webview pages: what VS Code sets as --vscode-* variables on <html style>.
// Shared by the Gradient Flow tests and the bench's view-cost page, so both draw in the same colours.

/** Subsets of VS Code's Dark Modern and Light Modern themes, as VS Code sets them on <html style>. */
export const THEMES: Record<'dark' | 'light', Record<string, string>> = {
  dark: {
    'foreground': '#cccccc', 'editor-foreground': '#cccccc', 'editor-background': '#1f1f1f',
    'sideBar-background': '#181818', 'descriptionForeground': '#9d9d9d', 'errorForeground': '#f85149',
    'charts-foreground': '#cccccc', 'charts-lines': 'rgba(204, 204, 204, 0.5)', 'charts-blue': '#3794ff',
    'charts-orange': '#d18616', 'charts-red': '#f14c4c', 'charts-green': '#89d185', 'charts-yellow': '#cca700',
    'charts-purple': '#b180d7',
    'button-background': '#0078d4', 'button-foreground': '#ffffff', 'button-hoverBackground': '#026ec1',
    'button-secondaryBackground': '#313131', 'button-secondaryForeground': '#cccccc',
    'button-secondaryHoverBackground': '#3c3c3c', 'button-border': 'rgba(255, 255, 255, 0.07)',
    'focusBorder': '#0078d4', 'checkbox-background': '#313131', 'checkbox-border': '#3c3c3c',
    'checkbox-foreground': '#cccccc', 'editorHoverWidget-background': '#202020',
    'editorHoverWidget-foreground': '#cccccc', 'editorHoverWidget-border': '#454545',
    'font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif', 'font-size': '13px', 'font-weight': 'normal',
  },
  light: {
    'foreground': '#3b3b3b', 'editor-foreground': '#3b3b3b', 'editor-background': '#ffffff',
    'sideBar-background': '#f8f8f8', 'descriptionForeground': '#3b3b3b', 'errorForeground': '#f85149',
    'charts-foreground': '#616161', 'charts-lines': 'rgba(97, 97, 97, 0.5)', 'charts-blue': '#1a85ff',
    'charts-orange': '#d18616', 'charts-red': '#e51400', 'charts-green': '#388a34', 'charts-yellow': '#bf8803',
    'charts-purple': '#652d90',
    'button-background': '#005fb8', 'button-foreground': '#ffffff', 'button-hoverBackground': '#0258a8',
    'button-secondaryBackground': '#e5e5e5', 'button-secondaryForeground': '#3b3b3b',
    'button-secondaryHoverBackground': '#cccccc', 'button-border': 'rgba(0, 0, 0, 0.1)',
    'focusBorder': '#005fb8', 'checkbox-background': '#f8f8f8', 'checkbox-border': '#cecece',
    'checkbox-foreground': '#3b3b3b', 'editorHoverWidget-background': '#f8f8f8',
    'editorHoverWidget-foreground': '#3b3b3b', 'editorHoverWidget-border': '#c8c8c8',
    'font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif', 'font-size': '13px', 'font-weight': 'normal',
  },
};
