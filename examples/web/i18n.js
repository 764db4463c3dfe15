// The two languages of the example pages; the browser's preferred language chooses.
const TEXT = {
  en: {
    holderTitle: 'My health code', scannerTitle: 'Scan a health code',
    green: 'Green', yellow: 'Yellow', red: 'Red', 'dark-red': 'Dark red',
    expires: 'Valid until', refreshIn: 'Refreshes in', refreshing: 'Refreshing…',
    retryIn: 'Could not refresh; showing the valid code, retrying in',
    noToken: 'No code yet: connect once to fetch it.',
    expired: 'This code has expired; connect to refresh it.',
    valid: 'VALID', invalid: 'NOT VALID', denied: 'ENTRY DENIED',
    camera: 'Point the camera at the code', noCamera: 'No camera: choose a photo of the code',
    pickFile: 'Photo of the code',
  },
  zh: {
    holderTitle: '我的健康码', scannerTitle: '扫描健康码',
    green: '绿码', yellow: '黄码', red: '红码', 'dark-red': '深红码',
    expires: '有效期至', refreshIn: '距离刷新', refreshing: '正在刷新…',
    retryIn: '刷新失败，继续显示有效的码，重试倒计时',
    noToken: '尚无健康码：请联网获取一次。',
    expired: '此码已过期，请联网刷新。',
    valid: '有效', invalid: '无效', denied: '禁止通行',
    camera: '请将摄像头对准二维码', noCamera: '无法使用摄像头：请选择二维码照片',
    pickFile: '二维码照片',
  },
};

export const lang = (navigator.languages || [navigator.language || 'en'])
  .some((l) => l.toLowerCase().startsWith('zh')) ? 'zh' : 'en';
export const t = (key) => TEXT[lang][key] ?? TEXT.en[key] ?? key;
document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';

/** A duration in seconds as 1h05m / 3m07s / 42s. */
export function span(secs) {
  secs = Math.max(0, Math.floor(secs));
  const h = Math.floor(secs / 3600);
  const m = Math.floor((secs % 3600) / 60);
  const s = secs % 60;
  if (h) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m) return `${m}m${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}
