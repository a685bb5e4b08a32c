import { validateBook } from "./src/core/trades";
import { parsePolicy } from "./src/core/policy";
const n=10000; const q=new Float64Array(n), p=new Float64Array(n), t=new Float64Array(n);
for(let i=0;i<n;i++){p[i]=5+i%500; q[i]=i%1000; t[i]=0.98/n;}
const pp = parsePolicy("lot=1").policy;
const ts:number[]=[]; for(let k=0;k<2000;k++){const t0=performance.now(); validateBook({quantities:q,prices:p,targets:t,cash:1e4}, pp); ts.push(performance.now()-t0);} ts.sort((x,y)=>x-y); console.log(ts[1000]*1000,'us');
