# A check of make_cases.py's 2.x ports (not a generator: it writes nothing): where PyTorch 1.13 and 2.x agree (bool
# masks, bias=True, no hints, rows never fully masked), the ports give 1.13's own modules' values: MultiheadAttention
# (with add_bias_kv / add_zero_attn, batch_first, need_weights on and off), TransformerEncoderLayer and
# TransformerDecoderLayer (batch_first and norm_first) and nn.Transformer built after the same seeds (so their
# construction draws as 1.13's, which are 2.x's for these arguments).
#   run: cd engine-cpu/src/test/resources/differentialfuzzr23 && /usr/bin/python3 check_ports.py   (prints the largest
#   difference; 1.4e-15 when this round was committed)
import torch
import torch.nn as nn
src=open("make_cases.py").read().replace("\nif __name__ == \"__main__\":\n    main()\n", "\n")
g={}; exec(compile(src,'mc','exec'),g)
torch.manual_seed(0)
worst=0
for trial in range(200):
    e,h=4,2
    torch.manual_seed(trial); m=nn.MultiheadAttention(e,h,bias=True,add_bias_kv=trial%3==0,add_zero_attn=trial%4==0,batch_first=trial%2==0).double()
    q=torch.randn((2,3,e) if trial%2==0 else (3,2,e),dtype=torch.float64)
    kpm=torch.rand(2,3)<0.3; kpm[:,0]=False
    am=torch.rand(3,3)<0.3; am[:,0]=False
    a=m(q,q,q,key_padding_mask=kpm,attn_mask=am,need_weights=True,average_attn_weights=trial%2==0)
    b=g['mha_forward_2x'](m,q,q,q,kpm,True,am,trial%2==0,False)
    worst=max(worst,(a[0]-b[0]).abs().max().item(),(a[1]-b[1]).abs().max().item())
    # need_weights False (2.x: SDPA) vs 1.13 (same math without full rows)
    b2=g['mha_forward_2x'](m,q,q,q,kpm,False,am,True,False)
    worst=max(worst,(a[0]-b2[0]).abs().max().item())
    for bf in (False, True):
      for nf in (False, True):
        torch.manual_seed(trial); l1=nn.TransformerEncoderLayer(4,2,6,0.0,batch_first=bf,norm_first=nf).double()
        torch.manual_seed(trial); l2=g['TEL2x'](4,2,6,0.0,'relu',1e-5,bf,nf,True).double()
        x=torch.randn((2,3,4) if bf else (3,2,4),dtype=torch.float64)
        y1=l1(x,src_key_padding_mask=kpm); y2=l2(x,None,kpm)
        worst=max(worst,(y1-y2).abs().max().item())
        torch.manual_seed(trial); d1=nn.TransformerDecoderLayer(4,2,6,0.0,batch_first=bf,norm_first=nf).double()
        torch.manual_seed(trial); d2=g['TDL2x'](4,2,6,0.0,'relu',1e-5,bf,nf,True).double()
        mem=torch.randn((2,3,4) if bf else (3,2,4),dtype=torch.float64)
        worst=max(worst,(d1(x,mem,tgt_mask=am)-d2(x,mem,am)).abs().max().item())
    torch.manual_seed(trial); t1=nn.Transformer(4,2,1,1,6,0.0).double()
    torch.manual_seed(trial); t2=g['Tr2x'](4,2,1,1,6,0.0,'relu',1e-5,False,False,True).double()
    s=torch.randn(3,2,4,dtype=torch.float64); t=torch.randn(2,2,4,dtype=torch.float64)
    worst=max(worst,(t1(s,t)-t2(s,t)).abs().max().item())
print('worst', worst)
