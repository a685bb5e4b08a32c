import { planTrades } from "./src/core/trades";
import { parsePolicy } from "./src/core/policy";
const n=10000; const q=new Float64Array(n), p=new Float64Array(n), t=new Float64Array(n);
let seed=1; const rnd=()=>{seed=(seed*16807)%2147483647; return seed/2147483647;};
for(let i=0;i<n;i++){p[i]=5+rnd()*500; q[i]=Math.floor(rnd()*1000); t[i]=1/n*(0.5+rnd());}
let s=0; for(let i=0;i<n;i++) s+=t[i]; for(let i=0;i<n;i++) t[i]*=0.98/s;
const pp = parsePolicy("lot=1").policy;
const times:number[]=[];
for (let k=0;k<200;k++){ const t0=performance.now(); planTrades({quantities:q,prices:p,targets:t,cash:10000},pp); times.push(performance.now()-t0);}
times.sort((a,b)=>a-b); console.log('median', times[100].toFixed(3), 'min', times[0].toFixed(3));
console.log(JSON.stringify(Object.fromEntries(Object.entries((globalThis as any).__T).map(([k,v]:any)=>[k,(v/200).toFixed(3)]))))
