"""The experiment behind the Hadamard rotation of 3/4-bit state codes (README "Faster and smaller").

The built-in model in PyTorch on the held-out SQuAD articles; each passage's layer-k states are
quantised as the app's group codec does (fp16 scales, mid-rise levels), with or without a blockwise
Hadamard rotation; prints EM/F1 and the share of answers equal to fp32's. Run from models/train:
  .venv/bin/python codec_rotation_experiment.py   (~2 min per row on 2 cores)
Output of the committed run: bench-results/codec-rotation-python.txt
"""
import sys, json, time, numpy as np, torch
sys.path.insert(0,'.')
from deformer_train.model import SplitQA
from deformer_train.data import load_squad, load_tokenizer, Featurizer
from deformer_train.train import predict, squad_scores
torch.set_num_threads(2)
d="../builtin/deformer-minilm-l6-squad"
m=SplitQA.load(d).float().eval()
split=json.load(open('split.json'))
sq=load_squad('../../../shared/data/squad/dev-v1.1.json', set(split['heldout']))
feats=Featurizer(load_tokenizer(d)).features(sq, train=False)
print(len(feats), sq.n_questions, flush=True)
def had(n):
  H=torch.ones(1,1)
  while H.shape[0]<n: H=torch.cat([torch.cat([H,H],1),torch.cat([H,-H],1)],0)
  return H/n**0.5
H128=had(128)
def q(X,bits,g):
  half=2**(bits-1); Y=X.reshape(*X.shape[:-1],X.shape[-1]//g,g); s=Y.abs().amax(-1,keepdim=True)/(half-.5); s=s.half().float()
  c=torch.clamp(torch.floor(Y/torch.where(s>0,s,torch.ones_like(s))+half),0,2*half-1); return ((c-half+.5)*s).reshape(X.shape)
def rot(X): return (X.reshape(*X.shape[:-1],-1,128)@H128).reshape(X.shape)
def unrot(X): return (X.reshape(*X.shape[:-1],-1,128)@H128.T).reshape(X.shape)
orig=m.lower
mode={'f':None}
def lower(ids,mask,tt,ps,k):
  x=orig(ids,mask,tt,ps,k)
  f=mode['f']
  return x if (tt==0 or f is None) else f(x)
m.lower=lower
cfgs={'fp32':None,'int3':lambda x:q(x,3,32),'int3-had':lambda x:unrot(q(rot(x),3,32)),'int4':lambda x:q(x,4,32),'int4-had':lambda x:unrot(q(rot(x),4,32)),'int3-had-g16':lambda x:unrot(q(rot(x),3,16))}
base=None
for name,f in cfgs.items():
  mode['f']=f; t=time.time(); p=predict(m,sq,feats,4); s=squad_scores(sq,p)
  if base is None: base=p
  agree=np.mean([p[k]==base[k] for k in base])
  print(name, {k:round(v,2) for k,v in s.items()}, 'agree', round(float(agree),4), round(time.time()-t), 's', flush=True)
